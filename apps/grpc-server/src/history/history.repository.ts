import { sql, type Kysely } from 'kysely';
import type { Database, StoredQuality } from '../db/schema';
import { instantText } from '../db/instant-text';

/** One version of an interval: the current value or one replaced or removed since. */
export interface VersionRow {
  start_ms: number;
  usage: number | null;
  quality: StoredQuality;
  upload_id: string | null;
  /** null: stored before uploads were recorded. */
  valid_from_ms: number | null;
  /** null while current. */
  valid_to_ms: number | null;
  replaced_by: string | null;
  current: boolean;
  /** Its place among the versions of its interval, oldest first (1, 2, …): the page cursor. */
  seq: number;
}

/**
 * The versions of a meter's intervals in [startMs, endMs), by interval start and, within an
 * interval, oldest first; from the cursor on (the interval afterStartMs after its first skip
 * versions). History is only ever appended to, so a version's place never changes and a cursor
 * stays valid while new versions arrive.
 */
export async function listVersions(
  db: Kysely<Database>,
  query: { meterId: string; startMs: number; endMs: number; afterStartMs: number; skip: number; limit: number },
): Promise<VersionRow[]> {
  const from = instantText(Math.max(query.startMs, query.afterStartMs));
  const to = instantText(query.endMs);
  const { rows } = await sql<VersionRow>`
    select * from (
      select (extract(epoch from v.interval_start) * 1000)::float8 as start_ms, v.usage::float8 as usage, v.quality, v.upload_id::text as upload_id,
             (extract(epoch from v.valid_from) * 1000)::float8 as valid_from_ms, (extract(epoch from v.valid_to) * 1000)::float8 as valid_to_ms,
             v.replaced_by::text as replaced_by, v.current,
             (row_number() over (partition by v.interval_start order by v.valid_from nulls first, v.valid_to nulls last, v.upload_id nulls first))::int as seq
      from (
        select r.interval_start, r.usage, r.quality, r.upload_id, u.committed_at as valid_from, null::timestamptz as valid_to, null::bigint as replaced_by, true as current
        from readings r left join uploads u on u.upload_id = r.upload_id
        where r.meter_id = ${query.meterId} and r.interval_start >= ${from}::timestamptz and r.interval_start < ${to}::timestamptz
        union all
        select h.interval_start, h.usage, h.quality, h.upload_id, nullif(h.valid_from, '-infinity'), h.replaced_at, h.replaced_by, false
        from readings_history h
        where h.meter_id = ${query.meterId} and h.interval_start >= ${from}::timestamptz and h.interval_start < ${to}::timestamptz
      ) v
    ) versions
    where start_ms > ${query.afterStartMs}::float8 or seq > ${query.skip}::int
    order by start_ms, seq
    limit ${query.limit}`.execute(db);
  return rows;
}
