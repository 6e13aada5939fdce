import { TimeOutsideRfc3339Error } from '@meterusage/contracts';
import fc from 'fast-check';
import { AggregateUsageResponse, type UsageBucket } from '@meterusage/contracts';
import { toIsoSeconds } from './json-mapping';
import { EARLIEST_MS, LATEST_MS } from './time-domain';
import { aggregateUsageColumnsJson, aggregateUsageJson } from './usage-json';
import { usageResponseSchema } from './usage.routes';
import { schemaSerializer } from '../test-support/schema-serializer';

// The sliced writer against two references on generated answers: JSON.stringify of the mapping,
// and the body the route's response schema serializer (fast-json-stringify, what Fastify wrote
// before) makes of the same mapping.

const instant = fc.oneof(
  fc.integer({ min: EARLIEST_MS / 1000, max: Math.floor(LATEST_MS / 1000) }).map((seconds) => new Date(seconds * 1000)),
  fc.integer({ min: EARLIEST_MS, max: LATEST_MS }).map((ms) => new Date(ms)),
);
const usage = fc.option(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -0, 1e21, 5e-324, 0.1 + 0.2)), { nil: undefined });
const count = fc.oneof(fc.nat({ max: 3000 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));
const bucket: fc.Arbitrary<UsageBucket> = fc.record({
  start: instant,
  end: instant,
  sum: usage,
  mean: usage,
  min: usage,
  max: usage,
  presentCount: count,
  expectedCount: count,
  clipped: fc.boolean(),
  estimatedCount: count,
  editedCount: count,
});
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', 'meter-1', 'kWh', 'Europe/Amsterdam', '"quoted" \\ back\nslash', '\u2028\u2029', '\ud800'),
);
const answer = fc.record({
  meterId: text,
  unit: text,
  timeZone: text,
  dataVersion: fc.constantFrom(0, 42),
  // Mostly small answers; some long enough to be decoded in several slices (a yield every 64 buckets
  // at sliceMs 0) and encoded in several chunks (64 buckets each).
  buckets: fc.oneof(
    { arbitrary: fc.array(bucket, { maxLength: 20 }), weight: 9 },
    { arbitrary: fc.array(bucket, { minLength: 60, maxLength: 300 }), weight: 1 },
  ),
});

// The reference mapping of a decoded bucket: JSON.stringify of it is what the writer must match.
const toBucketJson = (bucket: UsageBucket) => ({
  start: toIsoSeconds(bucket.start),
  end: toIsoSeconds(bucket.end),
  presentCount: bucket.presentCount,
  expectedCount: bucket.expectedCount,
  clipped: bucket.clipped,
  estimatedCount: bucket.estimatedCount,
  editedCount: bucket.editedCount,
  sum: bucket.sum,
  mean: bucket.mean,
  min: bucket.min,
  max: bucket.max,
});

// An answer without buckets, and one with a bucket ending after 9999-12-31 (no RFC 3339 form).
const empty = AggregateUsageResponse.encode({ meterId: 'meter-1', unit: 'kWh', timeZone: 'UTC', buckets: [], dataVersion: 0 }).finish();
const outside = AggregateUsageResponse.encode({
  meterId: 'meter-1',
  dataVersion: 0,
  unit: 'kWh',
  timeZone: 'UTC',
  buckets: [
    {
      start: new Date('9999-12-01T00:00:00Z'),
      end: new Date(LATEST_MS + 1),
      presentCount: 0,
      expectedCount: 0,
      clipped: false,
      estimatedCount: 0,
      editedCount: 0,
    },
  ],
}).finish();

const mapping = (response: AggregateUsageResponse) => ({
  meterId: response.meterId,
  unit: response.unit,
  timeZone: response.timeZone,
  buckets: response.buckets.map(toBucketJson),
});

describe('aggregateUsageJson', () => {
  // The very response schema of GET /api/usage, serialising the mapped answer as Fastify would.
  let serializer: Awaited<ReturnType<typeof schemaSerializer>>;
  beforeAll(async () => (serializer = await schemaSerializer(usageResponseSchema)));
  afterAll(() => serializer.close());
  const serialise = (value: unknown) => serializer.serialise(value);

  it('writes the bytes of JSON.stringify of the mapping and of the route schema serializer, for generated answers', async () => {
    await fc.assert(
      fc.asyncProperty(answer, async (response) => {
        // Through the wire format, as the route gets it: what decodes is what the references see.
        const bytes = AggregateUsageResponse.encode(response).finish();
        const decoded = AggregateUsageResponse.decode(bytes);
        const { body: written, meterId, dataVersion } = await aggregateUsageJson(bytes, 0);
        expect([meterId, dataVersion]).toEqual([decoded.meterId, decoded.dataVersion]);
        expect(written).toEqual(Buffer.from(JSON.stringify(mapping(decoded)), 'utf8'));
        expect((await aggregateUsageJson(bytes)).body).toEqual(written);
        expect(written).toEqual(Buffer.from(await serialise(mapping(decoded)), 'utf8'));
      }),
      { numRuns: 150 },
    );
  });

  it('writes an answer without buckets, and refuses a bucket outside years 0001-9999 as the mapping does (400 OUT_OF_RANGE)', async () => {
    expect((await aggregateUsageJson(empty)).body.toString('utf8')).toBe('{"meterId":"meter-1","unit":"kWh","timeZone":"UTC","buckets":[]}');
    await expect(aggregateUsageJson(outside)).rejects.toBeInstanceOf(TimeOutsideRfc3339Error);
  });
});

describe('aggregateUsageColumnsJson', () => {
  // The reference: the decoded buckets transposed, written by JSON.stringify (which writes an
  // absent or non-finite element as null).
  const columnsOf = (response: AggregateUsageResponse) => ({
    meterId: response.meterId,
    unit: response.unit,
    timeZone: response.timeZone,
    columns: {
      startMs: response.buckets.map((bucket) => bucket.start?.getTime()),
      endMs: response.buckets.map((bucket) => bucket.end?.getTime()),
      sum: response.buckets.map((bucket) => bucket.sum),
      mean: response.buckets.map((bucket) => bucket.mean),
      min: response.buckets.map((bucket) => bucket.min),
      max: response.buckets.map((bucket) => bucket.max),
      presentCount: response.buckets.map((bucket) => bucket.presentCount),
      expectedCount: response.buckets.map((bucket) => bucket.expectedCount),
      clipped: response.buckets.map((bucket) => bucket.clipped),
      estimatedCount: response.buckets.map((bucket) => bucket.estimatedCount),
      editedCount: response.buckets.map((bucket) => bucket.editedCount),
    },
  });

  it('writes the buckets transposed into columns, exactly as JSON.stringify would, for generated answers', async () => {
    await fc.assert(
      fc.asyncProperty(answer, async (response) => {
        const bytes = AggregateUsageResponse.encode(response).finish();
        const { body: written } = await aggregateUsageColumnsJson(bytes, 0);
        expect(written.toString('utf8')).toBe(JSON.stringify(columnsOf(AggregateUsageResponse.decode(bytes))));
        expect((await aggregateUsageColumnsJson(bytes)).body).toEqual(written);
      }),
      { numRuns: 150 },
    );
  });

  it('holds the same buckets as the rows, element for element', async () => {
    await fc.assert(
      fc.asyncProperty(answer, async (response) => {
        const bytes = AggregateUsageResponse.encode(response).finish();
        const rows = JSON.parse((await aggregateUsageJson(bytes)).body.toString('utf8')) as { buckets: Record<string, unknown>[] };
        const { columns } = JSON.parse((await aggregateUsageColumnsJson(bytes)).body.toString('utf8')) as { columns: Record<string, unknown[]> };
        const rebuilt = columns.startMs!.map((startMs, index) => {
          const value = (name: string) => columns[name]![index] ?? undefined;
          return JSON.parse(
            JSON.stringify({
              start: startMs === null ? undefined : toIsoSeconds(new Date(startMs as number)),
              end: columns.endMs![index] === null ? undefined : toIsoSeconds(new Date(columns.endMs![index] as number)),
              presentCount: value('presentCount'),
              expectedCount: value('expectedCount'),
              clipped: value('clipped'),
              estimatedCount: value('estimatedCount'),
              editedCount: value('editedCount'),
              sum: value('sum'),
              mean: value('mean'),
              min: value('min'),
              max: value('max'),
            }),
          ) as Record<string, unknown>;
        });
        // The rows write a non-finite value as null; the columns cannot tell it from an absent one.
        const withoutNulls = (bucket: Record<string, unknown>) => Object.fromEntries(Object.entries(bucket).filter(([, value]) => value !== null));
        expect(rebuilt).toEqual(rows.buckets.map(withoutNulls));
      }),
      { numRuns: 100 },
    );
  });

  it('writes an answer without buckets, and refuses what the rows refuse (400 OUT_OF_RANGE)', async () => {
    expect(JSON.parse((await aggregateUsageColumnsJson(empty)).body.toString('utf8'))).toEqual({
      meterId: 'meter-1',
      unit: 'kWh',
      timeZone: 'UTC',
      columns: {
        startMs: [],
        endMs: [],
        sum: [],
        mean: [],
        min: [],
        max: [],
        presentCount: [],
        expectedCount: [],
        clipped: [],
        estimatedCount: [],
        editedCount: [],
      },
    });
    await expect(aggregateUsageColumnsJson(outside)).rejects.toBeInstanceOf(TimeOutsideRfc3339Error);
  });
});
