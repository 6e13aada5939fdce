import { createTestDatabase, type TestDatabase } from '@meterusage/testing';
import { Client } from 'pg';
import { openDatabase, type DatabaseHandle } from '../src/db/connection';
import { migrateToLatest } from '../src/db/migrate';
import { silentLogger } from './support/database';
import { expectQuarantined, migrateTo0002, storeOldValues } from './support/usage-domain';

describe('migration 0003 (usage value domain) on a real PostgreSQL', () => {
  let testDatabase: TestDatabase;
  let database: DatabaseHandle;

  beforeAll(async () => {
    testDatabase = await createTestDatabase('usage_domain');
    database = openDatabase({ connectionString: testDatabase.url, poolMin: 0, poolMax: 2, connectTimeoutMs: 5000 }, silentLogger);
  }, 60_000);
  afterAll(async () => {
    await database?.close();
    await testDatabase?.drop();
  });

  it('moves stored values outside the domain to readings_quarantine with a reason, then refuses them', async () => {
    await migrateTo0002(database.db);
    await storeOldValues(database.db);
    expect(await migrateToLatest(database.db, silentLogger)).toEqual([
      '0003_constrain_reading_usage',
      '0004_add_meter_data_version',
      '0005_create_api_keys',
      '0006_create_uploads',
      '0007_keep_reading_history',
    ]);
    await expectQuarantined(database.db);

    for (const usage of ['1e12', '0.0000000001', 'NaN', 'Infinity', '-1']) {
      await expect(
        database.db.insertInto('readings').values({ meter_id: 'old', interval_start: '2020-01-01T00:00:00Z', usage }).execute(),
      ).rejects.toMatchObject({ code: '23514' });
    }
    await database.db.insertInto('readings').values({ meter_id: 'old', interval_start: '2020-01-01T00:00:00Z', usage: '123.000000000000' }).execute();
  }, 30_000);

  it('is not bound by the statement timeout: a migration that takes longer than it still applies', async () => {
    const slow = await createTestDatabase('usage_domain_slow');
    const setup = openDatabase({ connectionString: slow.url, poolMin: 0, poolMax: 1, connectTimeoutMs: 5000 }, silentLogger);
    // The pool grpc-server migrates through sets statement_timeout (DB_STATEMENT_TIMEOUT_MS); on a
    // large table 0003's scans outlast it. Made deterministic here: another transaction holds the
    // table for 1.5 s, three times the pool's 500 ms timeout, so 0003's statements wait that long.
    const migrating = openDatabase({ connectionString: slow.url, poolMin: 0, poolMax: 2, connectTimeoutMs: 5000, statementTimeoutMs: 500 }, silentLogger);
    const holder = new Client({ connectionString: slow.url });
    try {
      await migrateTo0002(setup.db);
      await storeOldValues(setup.db);
      await holder.connect();
      await holder.query('begin');
      await holder.query('lock table readings in access exclusive mode');
      const release = setTimeout(() => void holder.query('commit'), 1500);
      try {
        expect(await migrateToLatest(migrating.db, silentLogger)).toEqual([
          '0003_constrain_reading_usage',
          '0004_add_meter_data_version',
          '0005_create_api_keys',
          '0006_create_uploads',
          '0007_keep_reading_history',
        ]);
      } finally {
        clearTimeout(release);
      }
      await expectQuarantined(setup.db);
    } finally {
      await holder.end().catch(() => undefined);
      await migrating.close();
      await setup.close();
      await slow.drop();
    }
  }, 60_000);
});
