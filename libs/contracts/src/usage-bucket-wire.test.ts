import fc from 'fast-check';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { UsageBucket } from './gen/meterusage/v1/aggregate';
import { fieldsOf } from './test-support/usage-bucket-fields';
import { unknownFields } from './test-support/unknown-fields';
import { ProtoSink } from './proto-sink';
import { UsageBucketReader, type UsageBucketFields } from './usage-bucket-wire';

// The hand-written UsageBucket codec against the generated one, on generated buckets: every time
// a Date can hold (before 1970, sub-second, the extremes), every double (NaN, ±0, ±Infinity),
// every int32 (negative ones are ten bytes on the wire), each optional field present or absent.

const BUCKET_TAG = (4 << 3) | 2;
const dateMs = fc.oneof(
  fc.integer({ min: -8.64e15, max: 8.64e15 }),
  fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 }),
  fc.constantFrom(0, -1, 1, -999, 999, -1000, 1000, -8.64e15, 8.64e15),
);
const double = fc.oneof(fc.double(), fc.constantFrom(0, -0, Number.NaN, Infinity, -Infinity, 0.1 + 0.2));
const int32 = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.nat({ max: 3000 }));
const bucket: fc.Arbitrary<UsageBucket> = fc.record(
  {
    start: dateMs.map((ms) => new Date(ms)),
    end: dateMs.map((ms) => new Date(ms)),
    sum: double,
    mean: double,
    min: double,
    max: double,
    presentCount: int32,
    expectedCount: int32,
    clipped: fc.boolean(),
    estimatedCount: int32,
    editedCount: int32,
  },
  { requiredKeys: ['presentCount', 'expectedCount', 'clipped', 'estimatedCount', 'editedCount'] },
);

const encodedField = (message: UsageBucket) => UsageBucket.encode(message, new BinaryWriter().uint32(BUCKET_TAG).fork()).join().finish();

describe('ProtoSink.usageBucket', () => {
  it('writes the bytes of UsageBucket.encode as a length-delimited field', () => {
    fc.assert(
      fc.property(fc.array(bucket, { maxLength: 30 }), (buckets) => {
        const sink = new ProtoSink(16); // small, so growing is exercised too
        for (const message of buckets) sink.usageBucket(BUCKET_TAG, fieldsOf(message));
        expect(sink.bytes()).toEqual(Buffer.concat(buckets.map(encodedField)));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a count that is not an int32 rather than writing what no decoder reads back', () => {
    expect(() =>
      new ProtoSink().usageBucket(BUCKET_TAG, { presentCount: 2 ** 31, expectedCount: 0, clipped: false, estimatedCount: 0, editedCount: 0 }),
    ).toThrow('invalid int32');
  });
});

describe('UsageBucketReader', () => {
  it('reads what UsageBucket.decode reads, also with unknown fields and repeated ones', () => {
    const unknown = unknownFields(7);
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            bucket.map((message) => UsageBucket.encode(message).finish()),
            unknown,
          ),
          { minLength: 1, maxLength: 4 },
        ),
        (parts) => {
          // Concatenated messages merge (the last value of a field wins): still one valid bucket.
          const bytes = Buffer.concat(parts);
          const read = new UsageBucketReader(bytes).read(0, bytes.length);
          expect(read).toEqual(fieldsOf(UsageBucket.decode(bytes)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads a Timestamp written with sub-millisecond nanos as the truncated Date ts-proto makes', () => {
    const timestamp = new BinaryWriter().uint32(8).int64(-5).uint32(16).int32(-1_500_001).finish();
    const bytes = new BinaryWriter().uint32(10).bytes(timestamp).finish();
    expect(new UsageBucketReader(bytes).read(0, bytes.length).startMs).toBe(UsageBucket.decode(bytes).start!.getTime());
  });

  it('throws on bytes that end inside a field, instead of reading past the bucket', () => {
    const bytes = UsageBucket.encode({
      start: new Date(0),
      sum: 1,
      presentCount: 1,
      expectedCount: 1,
      clipped: false,
      estimatedCount: 0,
      editedCount: 0,
    }).finish();
    for (let cut = 1; cut < bytes.length; cut++) {
      const truncated = bytes.subarray(0, cut);
      let read: UsageBucketFields | undefined;
      try {
        read = new UsageBucketReader(truncated).read(0, truncated.length);
      } catch (error) {
        expect((error as Error).message).toMatch(/malformed|premature/);
        continue;
      }
      // A cut between two fields is a shorter valid bucket.
      expect(read).toEqual(fieldsOf(UsageBucket.decode(truncated)));
    }
  });
});
