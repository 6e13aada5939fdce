import { sql, type Kysely } from 'kysely';
import type { Database } from './schema';
import { instantText } from './instant-text';

/**
 * What the connected database offers beyond plain PostgreSQL; filled in at start-up after the
 * migrations (the server is built earlier, so it holds this object and reads it per call).
 */
export interface StorageFeatures {
  /** TimescaleDB's readings_hourly continuous aggregate exists. */
  hourlyRollup: boolean;
}

/** Whether this PostgreSQL server can load TimescaleDB (the production image can; plain PostgreSQL cannot). */
export async function isTimescaleAvailable(db: Kysely<Database>): Promise<boolean> {
  const { rows } = await sql<{ available: boolean }>`
    select exists (select 1 from pg_available_extensions where name = 'timescaledb') as available`.execute(db);
  return rows[0]?.available === true;
}

/** Whether the hourly continuous aggregate of migration 0002 exists (TimescaleDB only). */
export async function hasHourlyRollup(db: Kysely<Database>): Promise<boolean> {
  const { rows } = await sql<{ found: boolean }>`select to_regclass('readings_hourly') is not null as found`.execute(db);
  return rows[0]?.found === true;
}

/**
 * Brings the hourly rollup up to date for [startMs, endMs) after a write there. Must run outside a
 * transaction (TimescaleDB refuses refresh_continuous_aggregate inside one).
 */
export async function refreshHourlyRollup(db: Kysely<Database>, startMs: number, endMs: number): Promise<void> {
  const hour = 3_600_000;
  const from = instantText(Math.floor(startMs / hour) * hour);
  const to = instantText(Math.ceil(endMs / hour) * hour);
  await sql`call refresh_continuous_aggregate('readings_hourly', ${from}::timestamptz, ${to}::timestamptz)`.execute(db);
}
