import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';

export interface ReadingRecord {
  interval_start: Date;
  /** Exact decimal text, or null for a missing reading. */
  usage: string | null;
}

/** Every reading of one meter, oldest first (served by the primary key). */
export async function listAllReadings(db: Kysely<Database>, meterId: string): Promise<ReadingRecord[]> {
  return db
    .selectFrom('readings')
    .select(['interval_start', 'usage'])
    .where('meter_id', '=', meterId)
    .orderBy('interval_start')
    .execute();
}
