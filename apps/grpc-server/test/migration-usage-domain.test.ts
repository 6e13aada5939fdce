import { createTestDatabase, type TestDatabase } from '@meterusage/testing';
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
    expect(await migrateToLatest(database.db, silentLogger)).toEqual(['0003_constrain_reading_usage']);
    await expectQuarantined(database.db);

    for (const usage of ['1e12', '0.0000000001', 'NaN', 'Infinity', '-1']) {
      await expect(
        database.db.insertInto('readings').values({ meter_id: 'old', interval_start: '2020-01-01T00:00:00Z', usage }).execute(),
      ).rejects.toMatchObject({ code: '23514' });
    }
    await database.db.insertInto('readings').values({ meter_id: 'old', interval_start: '2020-01-01T00:00:00Z', usage: '123.000000000000' }).execute();
  }, 30_000);
});
