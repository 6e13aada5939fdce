import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema';

/** Every time zone name the database knows (pg_timezone_names; its posix/ copies included). */
export async function listDatabaseTimeZones(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from pg_timezone_names`.execute(db);
  return rows.map((row) => row.name);
}
