import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { decodeAggregateUsageInSlices, encodeAggregateUsageInSlices } from './aggregate-usage-slices';
import type { UsageBucket } from './gen/meterusage/v1/aggregate';
import { fieldsOf } from './test-support/usage-bucket-fields';
import type { UsageBucketFields } from './usage-bucket-wire';
import { AggregateUsageResponse } from './gen/meterusage/v1/meter_usage_service';

// A small seeded generator (no dependency): messages with and without each optional field.
function randomResponses(seed: number, count: number): AggregateUsageResponse[] {
  let state = seed;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const number = () => pick([0, -0, 1.5, -2.25, 1e-9, 123456.789, 1e21, Number.MAX_VALUE, random() * 1000]);
  const maybe = <T>(value: () => T): T | undefined => (random() < 0.3 ? undefined : value());
  const instant = () => new Date(Math.floor(random() * 4e12 - 1e12));
  const bucket = (): UsageBucket => ({
    start: maybe(instant),
    end: maybe(instant),
    sum: maybe(number),
    mean: maybe(number),
    min: maybe(number),
    max: maybe(number),
    presentCount: pick([0, 1, 96, 2 ** 31 - 1]),
    expectedCount: pick([0, 4, 96, 2976]),
    clipped: random() < 0.5,
    estimatedCount: pick([0, 3, 96]),
    editedCount: pick([0, 1]),
  });
  return Array.from({ length: count }, () => ({
    meterId: pick(['', 'meter-1', 'zähler "Ost"']),
    dataVersion: pick([0, 1, 1_796_530_168_308_000]),
    unit: pick(['', 'kWh']),
    timeZone: pick(['', 'UTC', 'Europe/Berlin']),
    buckets: Array.from({ length: pick([0, 1, 2, 63, 64, 65, 1000]) }, bucket),
  }));
}

describe('encodeAggregateUsageInSlices / decodeAggregateUsageInSlices', () => {
  const messages = randomResponses(7, 24);

  it('encodes the very bytes of AggregateUsageResponse.encode, however often it yields', async () => {
    for (const message of messages) {
      const expected = Buffer.from(AggregateUsageResponse.encode(message).finish());
      // 0 ms: a yield at every clock read; 10 ms: hardly ever.
      for (const sliceMs of [0, 10]) {
        const { buckets, ...header } = message;
        const actual = await encodeAggregateUsageInSlices(header, buckets.length, (index) => fieldsOf(buckets[index]!), sliceMs);
        expect(actual.equals(expected)).toBe(true);
      }
    }
  });

  it('decodes what AggregateUsageResponse.decode decodes, buckets in order, unknown fields ignored alike', async () => {
    for (const message of messages) {
      const encoded = AggregateUsageResponse.encode(message);
      // An unknown varint field and an unknown length-delimited one, as a newer server might send.
      encoded
        .uint32((9 << 3) | 0)
        .uint64(12345)
        .uint32((10 << 3) | 2)
        .bytes(new Uint8Array([1, 2, 3]));
      const bytes = encoded.finish();
      for (const sliceMs of [0, 10]) {
        const buckets: UsageBucketFields[] = [];
        const header = await decodeAggregateUsageInSlices(bytes, (bucket, index) => buckets.push(expectIndex(bucket, index, buckets.length)), sliceMs);
        const expected = AggregateUsageResponse.decode(bytes);
        expect({ ...header, buckets }).toEqual({ ...expected, buckets: expected.buckets.map(fieldsOf) });
      }
    }
  });

  it('keeps a header field that comes after the buckets (any field order is valid protobuf)', async () => {
    const writer = new BinaryWriter();
    AggregateUsageResponse.encode(
      {
        meterId: '',
        unit: '',
        timeZone: '',
        dataVersion: 0,
        buckets: [{ presentCount: 1, expectedCount: 2, clipped: false, estimatedCount: 0, editedCount: 0 }],
      },
      writer,
    );
    writer.uint32(10).string('meter-late');
    const bytes = writer.finish();
    const buckets: UsageBucketFields[] = [];
    const header = await decodeAggregateUsageInSlices(bytes, (bucket) => buckets.push(bucket));
    const expected = AggregateUsageResponse.decode(bytes);
    expect({ ...header, buckets }).toEqual({ ...expected, buckets: expected.buckets.map(fieldsOf) });
    expect(header.meterId).toBe('meter-late');
  });
});

function expectIndex(bucket: UsageBucketFields, index: number, expected: number): UsageBucketFields {
  if (index !== expected) throw new Error(`bucket index ${index}, expected ${expected}`);
  return bucket;
}

describe('slicing', () => {
  it('lets the event loop run between slices of a large answer', async () => {
    const buckets = Array.from({ length: 5000 }, (_, index): UsageBucketFields => ({
      startMs: index * 900_000,
      presentCount: index,
      expectedCount: 1,
      clipped: false,
      estimatedCount: 0,
      editedCount: 0,
    }));
    let turns = 0;
    const ticker = setInterval(() => (turns += 1), 0);
    try {
      const bytes = await encodeAggregateUsageInSlices(
        { meterId: 'm', unit: 'kWh', timeZone: 'UTC', dataVersion: 0 },
        buckets.length,
        (index) => buckets[index]!,
        0,
      );
      await decodeAggregateUsageInSlices(bytes, () => undefined, 0);
    } finally {
      clearInterval(ticker);
    }
    expect(turns).toBeGreaterThan(0);
  });
});
