import { sql, type Kysely } from 'kysely';
import type { Database } from '../src/db/schema';
import { migrateToLatest } from '../src/db/migrate';
import { silentLogger } from './support/database';
import { openTimescaleDatabase } from './support/timescale-database';
import { expectQuarantined, migrateTo0002, storeOldValues } from './support/usage-domain';

// Migration 0003 on a TimescaleDB hypertable with compression enabled and the old values in a
// compressed chunk: the rows are moved out and the constraint added (TimescaleDB in WASM).

describe('migration 0003 (usage value domain) on TimescaleDB (PGlite in WASM)', () => {
  let db: Kysely<Database>;

  beforeAll(async () => {
    db = await openTimescaleDatabase();
  }, 60_000);
  afterAll(async () => {
    await db?.destroy();
  });

  it('quarantines old values from a compressed chunk, adds the constraint, and the rollup follows', async () => {
    await migrateTo0002(db);
    await storeOldValues(db);
    await sql`call refresh_continuous_aggregate('readings_hourly', null, null)`.execute(db);
    await sql`select compress_chunk(c) from show_chunks('readings') c`.execute(db);

    expect(await migrateToLatest(db, silentLogger)).toEqual([
      '0003_constrain_reading_usage',
      '0004_add_meter_data_version',
      '0005_create_api_keys',
      '0006_create_uploads',
      '0007_keep_reading_history',
    ]);
    await expectQuarantined(db);
    const hourly = await sql<{ total: number }>`select sum(usage_sum)::float8 as total from readings_hourly`.execute(db);
    expect(hourly.rows[0]!.total).toBeCloseTo(1e12, -1);

    await expect(db.insertInto('readings').values({ meter_id: 'old', interval_start: '2019-01-01T02:00:00Z', usage: '1e12' }).execute()).rejects.toMatchObject({
      code: '23514',
    });
  }, 120_000);
});
