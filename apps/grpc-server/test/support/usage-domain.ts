import { Migrator, sql, type Kysely, type Migration } from 'kysely';
import * as createMetersAndReadings from '../../src/db/migrations/0001_create_meters_and_readings';
import * as createHourlyRollup from '../../src/db/migrations/0002_create_hourly_rollup';
import type { Database } from '../../src/db/schema';

// A database of the previous release holding values outside the usage domain, and what migration
// 0003 must make of it: shared by the plain PostgreSQL and the TimescaleDB test.

/** Values migration 0002's schema accepted: the last four break the value domain of 0003. */
export const STORED_BEFORE_0003 = [
  ['2019-01-01T00:00:00Z', '0'],
  ['2019-01-01T00:15:00Z', '999999999999.999999999'],
  ['2019-01-01T00:30:00Z', '0.000000001'],
  ['2019-01-01T00:45:00Z', null],
  ['2019-01-01T01:00:00Z', '1e309'],
  ['2019-01-01T01:15:00Z', '1e-400'],
  ['2019-01-01T01:30:00Z', 'NaN'],
  ['2019-01-01T01:45:00Z', '1000000000000'],
] as const;

/** Migrates db up to 0002 only, as a deployment of the previous release had it. */
export async function migrateTo0002(db: Kysely<Database>): Promise<void> {
  const migrations: Record<string, Migration> = { '0001_create_meters_and_readings': createMetersAndReadings, '0002_create_hourly_rollup': createHourlyRollup };
  const { error } = await new Migrator({ db, provider: { getMigrations: () => Promise.resolve(migrations) } }).migrateToLatest();
  if (error !== undefined) throw new Error('migrating to 0002 failed', { cause: error });
}

/** Stores STORED_BEFORE_0003 for meter `old`. */
export async function storeOldValues(db: Kysely<Database>): Promise<void> {
  await db.insertInto('meters').values({ meter_id: 'old' }).execute();
  await db
    .insertInto('readings')
    .values(STORED_BEFORE_0003.map(([start, usage]) => ({ meter_id: 'old', interval_start: start, usage })))
    .execute();
}

/** What 0003 must leave: the domain's rows in readings, the others in readings_quarantine with a reason. */
export async function expectQuarantined(db: Kysely<Database>): Promise<void> {
  const kept = await sql<{ usage: string | null }>`select usage::text from readings where meter_id = 'old' order by interval_start`.execute(db);
  expect(kept.rows.map((row) => row.usage)).toEqual(['0', '999999999999.999999999', '0.000000001', null]);
  const moved = await sql<{ usage: string; reason: string }>`select usage, reason from readings_quarantine order by interval_start`.execute(db);
  expect(moved.rows.map((row) => [row.usage.slice(0, 12), row.reason])).toEqual([
    ['100000000000', 'not below 10^12'],
    ['0.0000000000', 'more than 9 decimal places'],
    ['NaN', 'not a number'],
    ['100000000000', 'not below 10^12'],
  ]);
  // Every read cast works again on what is left.
  const sums = await sql<{ total: number }>`select sum(usage)::float8 as total from readings`.execute(db);
  expect(sums.rows[0]!.total).toBeCloseTo(1e12, -1);
}
