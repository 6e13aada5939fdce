import type { UploadOrigin } from '../../src/uploads/upload-record';
import pino from 'pino';
import { createTestDatabase, type TestDatabase } from '@meterusage/testing';
import { openDatabase, type DatabaseHandle } from '../../src/db/connection';
import { migrateToLatest } from '../../src/db/migrate';

export const silentLogger = pino({ level: 'silent' });

/** Dependencies of seeding and ingest on plain PostgreSQL, without logs. */
export const plainStorageDeps = { storage: { hourlyRollup: false }, logger: silentLogger };

export interface MigratedDatabase {
  testDatabase: TestDatabase;
  database: DatabaseHandle;
  close(): Promise<void>;
}

/** A new database of its own, opened through the app's pool and migrated to the latest schema. */
export async function openMigratedDatabase(label: string): Promise<MigratedDatabase> {
  const testDatabase = await createTestDatabase(label);
  const database = openDatabase({ connectionString: testDatabase.url, poolMin: 0, poolMax: 4, connectTimeoutMs: 5000 }, silentLogger);
  await migrateToLatest(database.db, silentLogger);
  return {
    testDatabase,
    database,
    async close() {
      await database.close();
      await testDatabase.drop();
    },
  };
}

/** Who sent an upload a test hands straight to ingestCsv. */
export function testOrigin(source = 'test'): UploadOrigin {
  return { receivedAt: new Date(), source, caller: 'test', fileName: '', sha256: () => '0'.repeat(64) };
}
