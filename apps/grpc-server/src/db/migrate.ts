import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Database } from './schema';
import type { Logger } from '../logger';
import * as createMetersAndReadings from './migrations/0001_create_meters_and_readings';
import * as createHourlyRollup from './migrations/0002_create_hourly_rollup';

// Listed here rather than read from disk, so the same code runs from src (tsx, jest) and dist.
const MIGRATIONS: Record<string, Migration> = {
  '0001_create_meters_and_readings': createMetersAndReadings,
  '0002_create_hourly_rollup': createHourlyRollup,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

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
  return applied;
}
