import { sql, type Kysely } from 'kysely';
import type { Database } from './schema';

/** Whether this PostgreSQL server can load TimescaleDB (the production image can; plain PostgreSQL cannot). */
export async function isTimescaleAvailable(db: Kysely<Database>): Promise<boolean> {
  const { rows } = await sql<{ available: boolean }>`
    select exists (select 1 from pg_available_extensions where name = 'timescaledb') as available`.execute(db);
  return rows[0]?.available === true;
}

/** Whether the readings table is a TimescaleDB hypertable. */
export async function isHypertable(db: Kysely<Database>, table: string): Promise<boolean> {
  const { rows } = await sql<{ installed: boolean }>`
    select exists (select 1 from pg_extension where extname = 'timescaledb') as installed`.execute(db);
  if (rows[0]?.installed !== true) return false;
  const result = await sql<{ found: boolean }>`
    select exists (select 1 from timescaledb_information.hypertables where hypertable_name = ${table}) as found`.execute(db);
  return result.rows[0]?.found === true;
}
