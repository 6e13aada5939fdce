import { sql, type Kysely } from 'kysely';
import pino from 'pino';
import { migrateToLatest } from '../src/db/migrate';
import type { Database } from '../src/db/schema';
import { isTimescaleAvailable } from '../src/db/timescale';
import { isHypertable, openTimescaleDatabase } from './support/timescale-database';

// This machine's PostgreSQL has no TimescaleDB, so migrations.test.ts only covers the plain branch.
// Here the real migrations run against TimescaleDB 2.23 in WASM (PGlite fork, in memory).

const silentLogger = pino({ level: 'silent' });

describe('migrations on TimescaleDB (PGlite in WASM)', () => {
  let db: Kysely<Database>;
  let firstRun: string[];

  // Starting the WASM database and migrating takes about 2 s here; on a busy machine it can pass jest's 5 s default.
  beforeAll(async () => {
    db = await openTimescaleDatabase();
    firstRun = await migrateToLatest(db, silentLogger);
  }, 60_000);
  afterAll(async () => {
    await db?.destroy();
  });

  const readBack = (meterId: string) =>
    db.selectFrom('readings').select(['meter_id', 'interval_start', 'usage']).where('meter_id', '=', meterId).orderBy('interval_start').execute();

  it('applies every migration once and finds nothing to do on a re-run', async () => {
    expect(firstRun).toEqual([
      '0001_create_meters_and_readings',
      '0002_create_hourly_rollup',
      '0003_constrain_reading_usage',
      '0004_add_meter_data_version',
      '0005_create_api_keys',
      '0006_create_uploads',
      '0007_keep_reading_history',
    ]);
    expect(await migrateToLatest(db, silentLogger)).toEqual([]);
  });

  it('detects TimescaleDB and makes readings, not meters, a hypertable with 30-day chunks', async () => {
    expect(await isTimescaleAvailable(db)).toBe(true);
    expect(await isHypertable(db, 'readings')).toBe(true);
    expect(await isHypertable(db, 'meters')).toBe(false);

    const extension = await sql<{ extversion: string }>`select extversion from pg_extension where extname = 'timescaledb'`.execute(db);
    expect(extension.rows[0]?.extversion).toMatch(/^2\.23\./);
    const dimensions = await sql<{ column_name: string; time_interval: string }>`
      select column_name, time_interval::text as time_interval from timescaledb_information.dimensions
      where hypertable_name = 'readings'`.execute(db);
    expect(dimensions.rows).toEqual([{ column_name: 'interval_start', time_interval: '30 days' }]);
  });

  it('enables compression segmented by meter_id and ordered by interval_start', async () => {
    const hypertable = await sql<{ compression_enabled: boolean }>`
      select compression_enabled from timescaledb_information.hypertables where hypertable_name = 'readings'`.execute(db);
    expect(hypertable.rows).toEqual([{ compression_enabled: true }]);

    const settings = await sql<{ segmentby: string; orderby: string }>`
      select segmentby, orderby from timescaledb_information.hypertable_compression_settings
      where hypertable = 'readings'::regclass`.execute(db);
    expect(settings.rows).toEqual([{ segmentby: 'meter_id', orderby: 'interval_start' }]);
  });

  it('schedules one compression policy for chunks older than 90 days', async () => {
    const { rows } = await sql<{ proc_name: string; config: unknown }>`
      select proc_name, config from timescaledb_information.jobs where hypertable_name = 'readings'`.execute(db);
    expect(rows).toEqual([{ proc_name: 'policy_compression', config: { hypertable_id: expect.any(Number), compress_after: '90 days' } }]);
  });

  it('makes readings_history a hypertable compressed like readings, with its own 90-day policy', async () => {
    expect(await isHypertable(db, 'readings_history')).toBe(true);
    const settings = await sql<{ segmentby: string; orderby: string }>`
      select segmentby, orderby from timescaledb_information.hypertable_compression_settings
      where hypertable = 'readings_history'::regclass`.execute(db);
    expect(settings.rows).toEqual([{ segmentby: 'meter_id', orderby: 'interval_start,replaced_at' }]);
    const { rows } = await sql<{ proc_name: string; config: unknown }>`
      select proc_name, config from timescaledb_information.jobs where hypertable_name = 'readings_history'`.execute(db);
    expect(rows).toEqual([{ proc_name: 'policy_compression', config: { hypertable_id: expect.any(Number), compress_after: '90 days' } }]);
  });

  it('keeps history in compressed chunks: a version moved there after compression reads back beside the older ones', async () => {
    await db.insertInto('meters').values({ meter_id: 'ts-history' }).execute();
    const version = (usage: string, replacedBy: string, replacedAt: string) => ({
      meter_id: 'ts-history',
      interval_start: new Date('2018-03-01T00:00:00Z'),
      usage,
      quality: 'actual' as const,
      upload_id: null,
      valid_from: new Date('2018-03-02T00:00:00Z'),
      replaced_by: replacedBy,
      replaced_at: new Date(replacedAt),
    });
    await db
      .insertInto('readings_history')
      .values(version('1.5', '7', '2018-04-01T00:00:00Z'))
      .execute();
    await sql`select compress_chunk(c) from show_chunks('readings_history') c`.execute(db);
    await db
      .insertInto('readings_history')
      .values(version('2.5', '8', '2018-05-01T00:00:00Z'))
      .execute();

    const stored = await db
      .selectFrom('readings_history')
      .select(['usage', 'replaced_by'])
      .where('meter_id', '=', 'ts-history')
      .orderBy('replaced_at')
      .execute();
    // PGlite returns bigint as a number.
    expect(stored.map((row) => [row.usage, String(row.replaced_by)])).toEqual([
      ['1.5', '7'],
      ['2.5', '8'],
    ]);
  });

  it('stores readings, a missing (NULL) one included, and reads them back exactly', async () => {
    await db.insertInto('meters').values({ meter_id: 'ts-roundtrip' }).execute();
    await db
      .insertInto('readings')
      .values([
        { meter_id: 'ts-roundtrip', interval_start: '2019-01-01T00:00:00Z', usage: '0.125' },
        { meter_id: 'ts-roundtrip', interval_start: '2019-01-01T00:15:00Z', usage: null },
        { meter_id: 'ts-roundtrip', interval_start: '2019-01-01T00:30:00Z', usage: '12.500' },
      ])
      .execute();

    expect(await readBack('ts-roundtrip')).toEqual([
      { meter_id: 'ts-roundtrip', interval_start: new Date('2019-01-01T00:00:00Z'), usage: '0.125' },
      { meter_id: 'ts-roundtrip', interval_start: new Date('2019-01-01T00:15:00Z'), usage: null },
      { meter_id: 'ts-roundtrip', interval_start: new Date('2019-01-01T00:30:00Z'), usage: '12.500' },
    ]);
  });

  it('keeps the key and checks on the hypertable: duplicate, negative and orphan readings are refused', async () => {
    await db.insertInto('meters').values({ meter_id: 'ts-dup' }).execute();
    const reading = { meter_id: 'ts-dup', interval_start: '2019-02-01T00:00:00Z', usage: '1' };
    await db.insertInto('readings').values(reading).execute();

    await expect(
      db
        .insertInto('readings')
        .values({ ...reading, usage: '2' })
        .execute(),
    ).rejects.toMatchObject({ code: '23505' });
    await expect(
      db
        .insertInto('readings')
        .values({ ...reading, interval_start: '2019-02-01T00:15:00Z', usage: '-1' })
        .execute(),
    ).rejects.toMatchObject({ code: '23514' });
    await expect(
      db
        .insertInto('readings')
        .values({ ...reading, meter_id: 'nobody' })
        .execute(),
    ).rejects.toMatchObject({ code: '23503' });
    expect(await readBack('ts-dup')).toEqual([{ meter_id: 'ts-dup', interval_start: new Date('2019-02-01T00:00:00Z'), usage: '1' }]);
  });

  it('buckets by Amsterdam days with time_bucket, so the DST day of 2024-03-31 spans 23 hours', async () => {
    await db.insertInto('meters').values({ meter_id: 'ts-ams' }).execute();
    await db
      .insertInto('readings')
      .values([
        { meter_id: 'ts-ams', interval_start: '2024-03-30T11:00:00Z', usage: '1.5' }, // 12:00 CET, Mar 30
        { meter_id: 'ts-ams', interval_start: '2024-03-30T23:30:00Z', usage: '2' }, // 00:30 CET, Mar 31 (Mar 30 in UTC)
        { meter_id: 'ts-ams', interval_start: '2024-03-31T21:30:00Z', usage: '4.25' }, // 23:30 CEST, Mar 31
        { meter_id: 'ts-ams', interval_start: '2024-03-31T22:15:00Z', usage: null }, // 00:15 CEST, Apr 1
      ])
      .execute();

    const { rows } = await sql<{ day_start: Date; usage: string | null; readings: number }>`
      select time_bucket('1 day', interval_start, 'Europe/Amsterdam') as day_start,
             sum(usage) as usage, count(usage)::int as readings
      from readings where meter_id = 'ts-ams'
      group by day_start order by day_start`.execute(db);
    expect(rows).toEqual([
      { day_start: new Date('2024-03-29T23:00:00Z'), usage: '1.5', readings: 1 },
      { day_start: new Date('2024-03-30T23:00:00Z'), usage: '6.25', readings: 2 },
      { day_start: new Date('2024-03-31T22:00:00Z'), usage: null, readings: 0 },
    ]);
  });

  it('compresses every chunk and still reads the same rows, keeps the key and skips conflicts', async () => {
    await db.insertInto('meters').values({ meter_id: 'ts-compress' }).execute();
    // Two months apart, so in two chunks.
    const june = { meter_id: 'ts-compress', interval_start: new Date('2018-06-01T00:00:00Z'), usage: '3.000' };
    const august = { meter_id: 'ts-compress', interval_start: new Date('2018-08-01T00:00:00Z'), usage: null };
    const rows = [june, august];
    await db.insertInto('readings').values(rows).execute();
    const allBefore = await db.selectFrom('readings').selectAll().orderBy('meter_id').orderBy('interval_start').execute();

    const compressed = await sql<{ chunk: string }>`select compress_chunk(c)::text as chunk from show_chunks('readings') c`.execute(db);
    const chunks = await sql<{ chunk: string; is_compressed: boolean }>`
      select format('%I.%I', chunk_schema, chunk_name) as chunk, is_compressed
      from timescaledb_information.chunks where hypertable_name = 'readings' order by chunk`.execute(db);
    // Rows of 2018-06, 2018-08, 2019-01, 2019-02 and 2024-03: at least five 30-day chunks.
    expect(chunks.rows.length).toBeGreaterThanOrEqual(5);
    expect(chunks.rows.map(({ chunk }) => chunk)).toEqual(compressed.rows.map(({ chunk }) => chunk).sort());
    expect(chunks.rows.filter(({ is_compressed }) => !is_compressed)).toEqual([]);

    expect(await readBack('ts-compress')).toEqual(rows);
    expect(await db.selectFrom('readings').selectAll().orderBy('meter_id').orderBy('interval_start').execute()).toEqual(allBefore);

    // The writer's INSERT … ON CONFLICT DO NOTHING must keep working once chunks are compressed.
    const duplicate = { ...june, usage: '9' };
    await expect(db.insertInto('readings').values(duplicate).execute()).rejects.toMatchObject({ code: '23505' });
    const skipped = await db
      .insertInto('readings')
      .values(duplicate)
      .onConflict((oc) => oc.columns(['meter_id', 'interval_start']).doNothing())
      .executeTakeFirstOrThrow();
    expect(skipped.numInsertedOrUpdatedRows).toBe(0n);
    expect(await readBack('ts-compress')).toEqual(rows);
  });
});
