import { sql, type Kysely } from 'kysely';
import pino from 'pino';
import { migrateToLatest } from '../src/db/migrate';
import type { Database } from '../src/db/schema';
import { hasHourlyRollup, refreshHourlyRollup } from '../src/db/timescale';
import { bucketBoundaries, type BucketWidthName } from '@meterusage/time';
import type { BucketRows } from '../src/usage/bucket-rows';
import { aggregateUsagePacked } from '../src/usage/usage.repository';
import { openTimescaleDatabase } from './support/timescale-database';

// The hourly continuous aggregate must give exactly the numbers of the plain-readings path,
// before and after materialisation and after corrections. TimescaleDB runs in WASM here.

const silentLogger = pino({ level: 'silent' });
const range = { startMs: Date.parse('2019-03-29T23:00:00Z'), endMs: Date.parse('2019-04-08T22:00:00Z') };

describe('hourly rollup on TimescaleDB (PGlite in WASM)', () => {
  let db: Kysely<Database>;

  beforeAll(async () => {
    db = await openTimescaleDatabase();
    await migrateToLatest(db, silentLogger);
    await sql`insert into meters (meter_id) values ('ams')`.execute(db);
    await sql`insert into readings
      select 'ams', t, case when extract(epoch from t)::bigint / 900 % 211 = 0 then null
                            else ((extract(epoch from t)::bigint / 900 % 97) * 0.25 + 1)::numeric end
      from generate_series(timestamptz '2019-03-29T23:00:00Z', timestamptz '2019-04-08T21:45:00Z', interval '15 minutes') t
      where extract(epoch from t)::bigint / 900 % 173 <> 0`.execute(db);
  }, 60_000);
  afterAll(async () => {
    await db?.destroy();
  });

  const compare = async (width: BucketWidthName, timeZone: string) => {
    const query = { meterId: 'ams', ...range, boundsMs: bucketBoundaries(timeZone, width, range.startMs, range.endMs) };
    const rowsOf = (rows: BucketRows) => Array.from({ length: rows.length }, (_, position) => rows.at(position));
    const fromReadings = rowsOf(await aggregateUsagePacked(db, { ...query, source: 'readings' }));
    const fromRollup = rowsOf(await aggregateUsagePacked(db, { ...query, source: 'hourly-rollup' }));
    expect(fromReadings.length).toBeGreaterThan(0);
    expect(fromRollup.map(({ mean, ...rest }) => ({ ...rest, mean: Number(mean?.toFixed(9)) }))).toEqual(
      fromReadings.map(({ mean, ...rest }) => ({ ...rest, mean: Number(mean?.toFixed(9)) })),
    );
    return fromReadings;
  };

  it('exists after the migrations, refreshed by a policy', async () => {
    expect(await hasHourlyRollup(db)).toBe(true);
    // TimescaleDB 2.23 files the refresh job under the view's name.
    const { rows } = await sql<{ proc_name: string }>`
      select proc_name from timescaledb_information.jobs where hypertable_name = 'readings_hourly'`.execute(db);
    expect(rows).toEqual([{ proc_name: 'policy_refresh_continuous_aggregate' }]);
  });

  it.each([
    ['hour', 'Europe/Amsterdam'],
    ['day', 'Europe/Amsterdam'],
    ['week', 'Europe/Amsterdam'],
    ['month', 'UTC'],
    ['day', 'America/New_York'],
  ] as const)('matches the readings for %s buckets in %s before materialisation (real-time aggregation)', async (width, timeZone) => {
    await compare(width, timeZone);
  });

  it('matches after a refresh materialises the range, with the 92-interval DST day intact', async () => {
    await refreshHourlyRollup(db, range.startMs, range.endMs);
    // Read the materialised rows alone, so the comparison cannot be served by real-time aggregation.
    await sql`alter materialized view readings_hourly set (timescaledb.materialized_only = true)`.execute(db);
    try {
      const materialised = await sql<{ hours: number }>`select count(*)::int as hours from readings_hourly where meter_id = 'ams'`.execute(db);
      expect(materialised.rows[0]?.hours).toBe((range.endMs - range.startMs) / 3_600_000);
      const days = await compare('day', 'Europe/Amsterdam');
      // Bucket 1 is 2019-03-31, 23 hours long: 92 intervals, less the ones the data leaves out.
      expect(days[1]).toMatchObject({ bucket_index: 1 });
      expect(days[1]!.present_count).toBeGreaterThan(88);
      expect(days[1]!.present_count).toBeLessThanOrEqual(92);
    } finally {
      await sql`alter materialized view readings_hourly set (timescaledb.materialized_only = false)`.execute(db);
    }
  });

  it('follows corrections once the written range is refreshed', async () => {
    await sql`update readings set usage = 1000 where meter_id = 'ams' and interval_start = '2019-04-02T10:00:00Z'`.execute(db);
    await refreshHourlyRollup(db, Date.parse('2019-04-02T10:00:00Z'), Date.parse('2019-04-02T10:15:00Z'));
    const days = await compare('day', 'Europe/Amsterdam');
    expect(days.some((day) => day.max === 1000)).toBe(true);
  });
});
