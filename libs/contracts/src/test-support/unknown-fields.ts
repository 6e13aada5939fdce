import fc from 'fast-check';
import { BinaryWriter } from '@bufbuild/protobuf/wire';

/**
 * Encoded fields a reader must skip as the generated decode does (tests only): unknown numbers of
 * each wire type, and knownNumber (a field the reader knows) with a wire type it does not expect.
 */
export function unknownFields(knownNumber: number): fc.Arbitrary<Uint8Array> {
  return fc.constantFrom(
    new BinaryWriter()
      .uint32((20 << 3) | 0)
      .uint64(12345)
      .finish(),
    new BinaryWriter()
      .uint32((21 << 3) | 2)
      .bytes(new Uint8Array([1, 2, 3]))
      .finish(),
    new BinaryWriter()
      .uint32((22 << 3) | 5)
      .fixed32(7)
      .finish(),
    new BinaryWriter()
      .uint32((23 << 3) | 1)
      .fixed64(7)
      .finish(),
    new BinaryWriter()
      .uint32((knownNumber << 3) | 2)
      .bytes(new Uint8Array([9]))
      .finish(),
  );
}
