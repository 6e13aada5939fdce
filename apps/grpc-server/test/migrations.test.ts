import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '@meterusage/testing';
import { openDatabase, type DatabaseHandle } from '../src/db/connection';
import { migrateToLatest } from '../src/db/migrate';
import { isTimescaleAvailable } from '../src/db/timescale';
import { silentLogger } from './support/database';
import { isHypertable } from './support/timescale-database';

describe('migrations on a real PostgreSQL', () => {
  let testDatabase: TestDatabase;
  let database: DatabaseHandle;

  beforeAll(async () => {
    testDatabase = await createTestDatabase('migrations');
    database = openDatabase({ connectionString: testDatabase.url, poolMin: 0, poolMax: 2, connectTimeoutMs: 5000 }, silentLogger);
  }, 60_000);
  afterAll(async () => {
    await database.close();
    await testDatabase.drop();
  });

  it('creates meters and readings on an empty database, then finds nothing to do on a re-run', async () => {
    expect(await migrateToLatest(database.db, silentLogger)).toEqual([
      '0001_create_meters_and_readings',
      '0002_create_hourly_rollup',
      '0003_constrain_reading_usage',
      '0004_add_meter_data_version',
      '0005_create_api_keys',
      '0006_create_uploads',
      '0007_keep_reading_history',
    ]);
    expect(await migrateToLatest(database.db, silentLogger)).toEqual([]);

    const { rows } = await sql<{ column_name: string; data_type: string; is_nullable: string }>`
      select column_name, data_type, is_nullable from information_schema.columns
      where table_name = 'readings' order by ordinal_position`.execute(database.db);
    expect(rows).toEqual([
      { column_name: 'meter_id', data_type: 'text', is_nullable: 'NO' },
      { column_name: 'interval_start', data_type: 'timestamp with time zone', is_nullable: 'NO' },
      { column_name: 'usage', data_type: 'numeric', is_nullable: 'YES' },
      { column_name: 'upload_id', data_type: 'bigint', is_nullable: 'YES' },
      { column_name: 'quality', data_type: 'text', is_nullable: 'NO' },
    ]);
  });

  it('keeps API keys by unique name and key id, refusing rows no key could have (migration 0005)', async () => {
    await migrateToLatest(database.db, silentLogger);
    const insert = (name: string, keyId: string, scopes: string) =>
      sql`insert into api_keys (name, key_id, secret_hash, salt, scrypt_cost, scopes, meter_grants)
          values (${name}, ${keyId}, decode('00', 'hex'), decode('00', 'hex'), 16384, ${scopes}::text[], '{}')`.execute(database.db);
    await insert('first', '0123456789abcdef', '{read}');
    await expect(insert('first', 'fedcba9876543210', '{read}')).rejects.toThrow(/api_keys_pkey/);
    await expect(insert('second', '0123456789abcdef', '{read}')).rejects.toThrow(/api_keys_key_id_key/);
    await expect(insert('third', 'fedcba9876543210', '{}')).rejects.toThrow(/api_keys_scopes_check/);
    await expect(insert('third', 'fedcba9876543210', '{root}')).rejects.toThrow(/api_keys_scopes_check/);
    await expect(insert('has space', 'fedcba9876543210', '{read}')).rejects.toThrow(/api_keys_name_check/);
  });

  it('keys readings by (meter_id, interval_start) so a duplicate interval is refused', async () => {
    await database.db.insertInto('meters').values({ meter_id: 'm1' }).execute();
    const row = { meter_id: 'm1', interval_start: '2019-01-01T00:00:00Z', usage: '1.5' };
    await database.db.insertInto('readings').values(row).execute();
    await expect(database.db.insertInto('readings').values(row).execute()).rejects.toMatchObject({ code: '23505' });
  });

  it('refuses negative usage and readings of unknown meters', async () => {
    const negative = { meter_id: 'm1', interval_start: '2019-01-01T00:15:00Z', usage: '-1' };
    await expect(database.db.insertInto('readings').values(negative).execute()).rejects.toMatchObject({ code: '23514' });
    const orphan = { meter_id: 'nobody', interval_start: '2019-01-01T00:15:00Z', usage: '1' };
    await expect(database.db.insertInto('readings').values(orphan).execute()).rejects.toMatchObject({ code: '23503' });
  });

  it('stays on plain PostgreSQL when TimescaleDB is not installed on the server', async () => {
    const available = await isTimescaleAvailable(database.db);
    // This machine's PostgreSQL has no TimescaleDB; the docker compose image does.
    expect(await isHypertable(database.db, 'readings')).toBe(available);
  });
});
