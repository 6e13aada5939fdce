import fc from 'fast-check';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { ExportReadingsResponse, GetMetricsResponse, ListReadingsResponse } from './gen/meterusage/v1/meter_usage_service';
import { Reading } from './gen/meterusage/v1/reading';
import { ProtoSink } from './proto-sink';
import { ReadingReader, type ReadingFields } from './reading-wire';
import { decodeReadingsInSlices, encodeReadingBatchesInSlices, encodeReadingsInSlices } from './readings-slices';
import { readingFieldsOf } from './test-support/reading-fields';
import { unknownFields } from './test-support/unknown-fields';

// The hand-written Reading codec and the readings answers in slices against the generated code,
// on generated readings: every time a Date can hold, every double, every int32 quality (including
// values the enum does not name, as a newer server might send), each optional field present or absent.

const READINGS_TAG = (3 << 3) | 2;
const dateMs = fc.oneof(
  fc.integer({ min: -8.64e15, max: 8.64e15 }),
  fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 }),
  fc.constantFrom(0, -1, 1, -999, 999, -1000, 1000, -8.64e15, 8.64e15),
);
const reading: fc.Arbitrary<Reading> = fc.record(
  {
    time: dateMs.map((ms) => new Date(ms)),
    start: dateMs.map((ms) => new Date(ms)),
    end: dateMs.map((ms) => new Date(ms)),
    usage: fc.oneof(fc.double(), fc.constantFrom(0, -0, Number.NaN, Infinity, 55.09)),
    missing: fc.boolean(),
    quality: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
    // Upload ids are digits; any text (long enough to need a two-byte length too) must work all the same.
    uploadId: fc.oneof(fc.constant(''), fc.stringMatching(/^[1-9][0-9]{0,18}$/), fc.string({ unit: 'binary', maxLength: 300 })),
  },
  { requiredKeys: ['missing', 'quality', 'uploadId'] },
);
const encodedField = (message: Reading) => Reading.encode(message, new BinaryWriter().uint32(READINGS_TAG).fork()).join().finish();

describe('ProtoSink.reading', () => {
  it('writes the bytes of Reading.encode as a length-delimited field', () => {
    fc.assert(
      fc.property(fc.array(reading, { maxLength: 30 }), (readings) => {
        const sink = new ProtoSink(16);
        for (const message of readings) sink.reading(READINGS_TAG, readingFieldsOf(message));
        expect(sink.bytes()).toEqual(Buffer.concat(readings.map(encodedField)));
      }),
      { numRuns: 300 },
    );
  });
});

describe('ProtoSink.reading with fractional milliseconds', () => {
  it('writes what Reading.encode writes of the Dates made of them (a stored time with microseconds)', () => {
    fc.assert(
      fc.property(fc.double({ min: -8.64e15, max: 8.64e15, noNaN: true }), (ms) => {
        const sink = new ProtoSink(16);
        sink.reading(READINGS_TAG, { timeMs: ms, startMs: ms, endMs: ms, missing: false, quality: 1, uploadId: '' });
        const date = new Date(ms);
        expect(sink.bytes()).toEqual(Buffer.from(encodedField({ time: date, start: date, end: date, missing: false, quality: 1, uploadId: '' })));
      }),
    );
  });
});

describe('ReadingReader', () => {
  it('reads what Reading.decode reads, also with unknown fields, merged messages and a known number of another wire type', () => {
    const unknown = unknownFields(4);
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            reading.map((message) => Reading.encode(message).finish()),
            unknown,
          ),
          { minLength: 1, maxLength: 4 },
        ),
        (parts) => {
          const bytes = Buffer.concat(parts);
          expect(new ReadingReader(bytes).read(0, bytes.length)).toEqual(readingFieldsOf(Reading.decode(bytes)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('throws on bytes that end inside a field, or reads the shorter valid reading a cut between fields leaves', () => {
    const bytes = Reading.encode({
      time: new Date(900_000),
      start: new Date(0),
      end: new Date(900_000),
      usage: 1.5,
      missing: false,
      quality: 1,
      uploadId: '42',
    }).finish();
    for (let cut = 1; cut < bytes.length; cut++) {
      const truncated = bytes.subarray(0, cut);
      let read: ReadingFields | undefined;
      try {
        read = new ReadingReader(truncated).read(0, truncated.length);
      } catch (error) {
        expect((error as Error).message).toMatch(/malformed|premature/);
        continue;
      }
      expect(read).toEqual(readingFieldsOf(Reading.decode(truncated)));
    }
  });
});

describe('encodeReadingsInSlices / decodeReadingsInSlices', () => {
  const text = fc.constantFrom('', 'meter-1', 'kWh', 'zähler "Ost"', 'x'.repeat(300));
  const codecs = [
    { name: 'GetMetricsResponse', codec: GetMetricsResponse, header: fc.record({ meterId: text, unit: text, dataVersion: fc.constantFrom(0, 9) }) },
    // next_page_token (4) and data_version (15) follow the readings, in the bytes too.
    {
      name: 'ListReadingsResponse',
      codec: ListReadingsResponse,
      header: fc.record({ meterId: text, unit: text, nextPageToken: text, dataVersion: fc.constantFrom(0, 9) }),
    },
    { name: 'ExportReadingsResponse', codec: ExportReadingsResponse, header: fc.record({ meterId: text, unit: text, lines: fc.constant(Buffer.alloc(0)) }) },
  ] as const;

  it.each(codecs)('encode and decode a $name as its generated encode and decode do, however often they yield', async ({ codec, header }) => {
    await fc.assert(
      fc.asyncProperty(header, fc.array(reading, { maxLength: 200 }), fc.constantFrom(0, 10), async (fields, readings, sliceMs) => {
        const message = { ...fields, readings };
        const generic = codec as unknown as { encode(message: unknown): BinaryWriter; decode(bytes: Uint8Array): { readings: Reading[] } };
        const expected = Buffer.from(generic.encode(message).finish());
        const encoded = await encodeReadingsInSlices(
          codec as never,
          { ...fields, readings: [] } as never,
          readings.length,
          (index) => readingFieldsOf(readings[index]!),
          sliceMs,
        );
        expect(generic.decode(encoded)).toEqual(generic.decode(expected));
        expect(encoded.equals(expected)).toBe(true);

        // An unknown field after the readings, as a newer server might send.
        const bytes = Buffer.concat([
          expected,
          new BinaryWriter()
            .uint32((9 << 3) | 0)
            .uint64(7)
            .finish(),
        ]);
        const seen: ReadingFields[] = [];
        const rest = await decodeReadingsInSlices(codec as never, bytes, (element, index) => seen.push({ ...element, index } as never), sliceMs);
        const reference = generic.decode(bytes);
        expect(seen).toEqual(reference.readings.map((message, index) => ({ ...readingFieldsOf(message), index })));
        expect(rest).toEqual({ ...reference, readings: [] });
      }),
      { numRuns: 40 },
    );
  });

  it.each(codecs)('encode a $name from readings in batches (a cursor) to the bytes of its generated encode', async ({ codec, header }) => {
    await fc.assert(
      fc.asyncProperty(header, fc.array(fc.array(reading, { maxLength: 40 }), { maxLength: 6 }), fc.constantFrom(0, 10), async (fields, batches, sliceMs) => {
        const generic = codec as unknown as { encode(message: unknown): BinaryWriter };
        const expected = Buffer.from(generic.encode({ ...fields, readings: batches.flat() }).finish());
        async function* arriving() {
          for (const batch of batches) {
            await new Promise((resolve) => setImmediate(resolve));
            yield batch;
          }
        }
        const encoded = await encodeReadingBatchesInSlices(codec as never, { ...fields, readings: [] } as never, arriving(), readingFieldsOf, sliceMs);
        expect(encoded.equals(expected)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});
