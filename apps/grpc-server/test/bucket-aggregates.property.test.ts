import fc from 'fast-check';
import { bucketBoundaries, type BucketWidthName } from '@meterusage/time';
import type { BucketRows } from '../src/usage/bucket-rows';
import { aggregateUsage, aggregateUsagePacked, type AggregateQuery } from '../src/usage/usage.repository';
import { openMigratedDatabase, type MigratedDatabase } from './support/database';

// The bucket aggregates as grpc-server reads them (binary COPY, decoded in place) against the same
// statement packed by PostgreSQL (the path of engines without COPY) and against an independent
// computation: generated readings with holes, NULLs and every quality, bucketed by 15 minutes,
// hours and days in zones with DST, now and as of an earlier instant.

const BASE_MS = Date.UTC(2021, 2, 26); // two days before Europe/Amsterdam's spring change
const QUARTER_HOUR_MS = 900_000;

const reading = fc.record({
  usage: fc.option(fc.constantFrom('0', '0.25', '1.5', '3', '12.125', '2', '1e-5', '123456.789'), { nil: null, freq: 5 }),
  quality: fc.constantFrom('actual', 'actual', 'actual', 'estimated', 'edited'),
});
const scenario = fc.record({
  slots: fc.array(fc.option(reading, { nil: undefined, freq: 6 }), { minLength: 0, maxLength: 700, size: 'max' }),
  width: fc.constantFrom<BucketWidthName>('15m', 'hour', 'day'),
  timeZone: fc.constantFrom('UTC', 'Europe/Amsterdam', 'America/St_Johns'),
  fromSlot: fc.nat({ max: 200 }),
  slotCount: fc.integer({ min: 1, max: 800 }),
  asOf: fc.boolean(),
});

const rowsOf = (rows: BucketRows) => Array.from({ length: rows.length }, (_, position) => rows.at(position));

describe('bucket aggregates: binary COPY, packed rows and the definition agree', () => {
  let handle: MigratedDatabase;
  let meters = 0;
  beforeAll(async () => {
    handle = await openMigratedDatabase('bucket_aggregates');
  }, 60_000);
  afterAll(async () => {
    await handle?.close();
  });

  it('gives every bucket holding readings, in order, with the same sums, extremes and counts', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const meterId = `buckets-${(meters += 1)}`;
        const pool = handle.database.pool;
        await pool.query(`insert into meters (meter_id, unit, interval_seconds) values ($1, 'kWh', 900)`, [meterId]);
        const stored = s.slots.flatMap((slot, index) => (slot === undefined ? [] : [{ ...slot, startMs: BASE_MS + index * QUARTER_HOUR_MS }]));
        if (stored.length > 0) {
          await pool.query(
            `insert into readings (meter_id, interval_start, usage, quality)
             select $1, to_timestamp(s / 1000.0), u::numeric, q from unnest($2::float8[], $3::text[], $4::text[]) as t(s, u, q)`,
            [meterId, stored.map((r) => r.startMs), stored.map((r) => r.usage), stored.map((r) => r.quality)],
          );
        }
        const startMs = BASE_MS + s.fromSlot * QUARTER_HOUR_MS;
        const endMs = startMs + s.slotCount * QUARTER_HOUR_MS;
        const boundsMs = bucketBoundaries(s.timeZone, s.width, startMs, endMs);
        // An instant after every row: as of it, the readings are the current ones (read through the as-of subquery).
        const query: AggregateQuery = { meterId, startMs, endMs, boundsMs, source: 'readings', asOfMs: s.asOf ? Date.now() + 60_000 : undefined };

        const copied = rowsOf(await aggregateUsage(handle.database, query));
        expect(rowsOf(await aggregateUsagePacked(handle.database.db, query))).toEqual(copied);

        // The definition: each stored reading in [startMs, endMs) goes to the bucket its start falls in.
        const model = new Map<number, { values: number[]; count: number; estimated: number; edited: number }>();
        for (const r of stored) {
          if (r.startMs < startMs || r.startMs >= endMs) continue;
          const index = boundsMs.findIndex((bound, i) => i + 1 < boundsMs.length && r.startMs >= bound && r.startMs < boundsMs[i + 1]!);
          const bucket = model.get(index) ?? { values: [], count: 0, estimated: 0, edited: 0 };
          bucket.count += 1;
          if (r.usage !== null) {
            bucket.values.push(Number(r.usage));
            if (r.quality === 'estimated') bucket.estimated += 1;
            if (r.quality === 'edited') bucket.edited += 1;
          }
          model.set(index, bucket);
        }
        const expected = [...model.entries()]
          .sort(([a], [b]) => a - b)
          .map(([index, bucket]) => ({
            bucket_index: index,
            present_count: bucket.values.length,
            estimated_count: bucket.estimated,
            edited_count: bucket.edited,
            min: bucket.values.length === 0 ? null : Math.min(...bucket.values),
            max: bucket.values.length === 0 ? null : Math.max(...bucket.values),
          }));
        expect(
          copied.map(({ bucket_index, present_count, estimated_count, edited_count, min, max }) => ({
            bucket_index,
            present_count,
            estimated_count,
            edited_count,
            min,
            max,
          })),
        ).toEqual(expected);
        for (const row of copied) {
          const values = model.get(row.bucket_index)!.values;
          const sum = values.reduce((total, value) => total + value, 0);
          if (values.length === 0) expect([row.sum, row.mean]).toEqual([null, null]);
          else {
            expect(row.sum).toBeCloseTo(sum, 6);
            expect(row.mean).toBeCloseTo(sum / values.length, 6);
          }
        }
      }),
      { numRuns: 40 },
    );
  });
});
