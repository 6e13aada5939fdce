import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Database } from './schema';
import type { Logger } from '../logger';
import { hasHourlyRollup, refreshHourlyRollup } from './timescale';
import * as createMetersAndReadings from './migrations/0001_create_meters_and_readings';
import * as createHourlyRollup from './migrations/0002_create_hourly_rollup';
import * as constrainReadingUsage from './migrations/0003_constrain_reading_usage';
import * as addMeterDataVersion from './migrations/0004_add_meter_data_version';
import * as createApiKeys from './migrations/0005_create_api_keys';
import * as createUploads from './migrations/0006_create_uploads';
import * as keepReadingHistory from './migrations/0007_keep_reading_history';

// Listed here rather than read from disk, so the same code runs from src (tsx, jest) and dist.
const MIGRATIONS: Record<string, Migration> = {
  '0001_create_meters_and_readings': createMetersAndReadings,
  '0002_create_hourly_rollup': createHourlyRollup,
  '0003_constrain_reading_usage': constrainReadingUsage,
  '0004_add_meter_data_version': addMeterDataVersion,
  '0005_create_api_keys': createApiKeys,
  '0006_create_uploads': createUploads,
  '0007_keep_reading_history': keepReadingHistory,
};

const provider: MigrationProvider = { getMigrations: () => Promise.resolve(MIGRATIONS) };

/** Applies every pending migration in order; concurrent starts are serialised by Kysely's lock. */
export async function migrateToLatest(db: Kysely<Database>, logger: Logger): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results = [] } = await migrator.migrateToLatest();
  const applied = results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
  const failed = results.find((result) => result.status === 'Error');
  if (error !== undefined) {
    throw new Error(`migration ${failed?.migrationName ?? '(none)'} failed: ${(error as Error).message}`, { cause: error });
  }
  logger.info({ applied, pending: 0 }, applied.length > 0 ? 'migrations applied' : 'schema up to date');
  if (applied.includes('0003_constrain_reading_usage')) await reportQuarantine(db, logger);
  return applied;
}

/**
 * After migration 0003: logs how many stored readings broke the value domain and were moved to
 * readings_quarantine, and brings the hourly rollup (which still sums them) up to date over their
 * span; a refresh cannot run inside the migration's transaction.
 */
async function reportQuarantine(db: Kysely<Database>, logger: Logger): Promise<void> {
  const { rows } = await sql<{ count: number; first_ms: number | null; last_ms: number | null }>`
    select count(*)::int as count, (extract(epoch from min(interval_start)) * 1000)::float8 as first_ms,
           (extract(epoch from max(interval_start)) * 1000)::float8 as last_ms
    from readings_quarantine`.execute(db);
  const { count, first_ms: firstMs, last_ms: lastMs } = rows[0]!;
  if (count === 0 || firstMs === null || lastMs === null) return;
  logger.warn({ quarantined: count }, `${count} stored readings broke the usage value domain and were moved to readings_quarantine (see its reason column)`);
  if (!(await hasHourlyRollup(db))) return;
  // Best effort: a failed refresh must not stop the start (0003 is applied by then and this never
  // runs again); the rollup's own policy refreshes the span on its next run.
  await refreshHourlyRollup(db, firstMs, lastMs + 86_400_000).catch((error: unknown) =>
    logger.warn({ err: error }, 'could not refresh the hourly rollup over the quarantined readings; its refresh policy will'),
  );
}
