import { sql, type Kysely } from 'kysely';
import Cursor from 'pg-cursor';
import type { DatabaseHandle } from '../db/connection';
import { readingsAt } from '../db/readings-as-of';
import { settlesWithin } from '../db/settles-within';
import type { Database, StoredQuality } from '../db/schema';
import { instantText } from '../db/instant-text';

/** A stored reading: interval start in epoch ms, usage or null when missing in the source, its quality and upload. */
export interface ReadingRecord {
  start_ms: number;
  usage: number | null;
  quality: StoredQuality;
  /** The upload that wrote it (bigint as a string); null when stored before uploads were recorded. */
  upload_id: string | null;
}

/** One slot of a gap-filled page: stored is false when nothing was ever received for it. */
export interface ReadingSlot extends ReadingRecord {
  stored: boolean;
}

// Epoch milliseconds and float8 come back from pg as JS numbers: no Date or numeric string parsing.
const RECORD_COLUMNS = sql`(extract(epoch from interval_start) * 1000)::float8 as start_ms, usage::float8 as usage, quality, upload_id`;

/** The first `limit` readings of one meter, oldest first (served by the primary key), now or as of an instant. */
export async function listFirstReadings(db: Kysely<Database>, meterId: string, limit: number, asOfMs?: number): Promise<ReadingRecord[]> {
  const { rows } = await sql<ReadingRecord>`
    select ${RECORD_COLUMNS} from ${readingsAt(asOfMs)} as readings where meter_id = ${meterId} order by interval_start limit ${limit}`.execute(db);
  return rows;
}

/**
 * Consecutive interval slots firstSlotMs, firstSlotMs + step, … (count of them) with the stored
 * reading of each, or stored = false for a hole in the series.
 */
export async function listReadingSlots(
  db: Kysely<Database>,
  meterId: string,
  slots: { firstSlotMs: number; count: number; intervalSeconds: number },
  asOfMs?: number,
): Promise<ReadingSlot[]> {
  const first = instantText(slots.firstSlotMs);
  const last = instantText(slots.firstSlotMs + (slots.count - 1) * slots.intervalSeconds * 1000);
  const { rows } = await sql<ReadingSlot>`
    select (extract(epoch from slot.start) * 1000)::float8 as start_ms,
           r.usage::float8 as usage,
           coalesce(r.quality, 'actual') as quality,
           r.upload_id,
           r.meter_id is not null as stored
    from generate_series(${first}::timestamptz, ${last}::timestamptz, make_interval(secs => ${slots.intervalSeconds})) as slot(start)
    left join (
      -- One range scan of the primary key, joined by hash, instead of one index probe per slot.
      select meter_id, interval_start, usage, quality, upload_id from ${readingsAt(asOfMs)} as readings
      where meter_id = ${meterId} and interval_start between ${first}::timestamptz and ${last}::timestamptz
    ) r on r.interval_start = slot.start
    order by slot.start`.execute(db);
  return rows;
}

/**
 * The stored readings of a range (undefined: all of the meter's), oldest first, now or as of an
 * instant, in batches of batchSize read through one server-side cursor (one snapshot, constant
 * memory, served by the primary key). Leaving the loop early closes the cursor and frees the connection.
 */
export async function* streamReadingBatches(
  database: DatabaseHandle,
  meterId: string,
  range: { startMs: number; endMs: number } | undefined,
  batchSize: number,
  asOfMs?: number,
): AsyncGenerator<ReadingRecord[]> {
  const inRange =
    range === undefined
      ? sql``
      : sql`and interval_start >= ${instantText(range.startMs)}::timestamptz and interval_start < ${instantText(range.endMs)}::timestamptz`;
  const query = sql`
    select ${RECORD_COLUMNS} from ${readingsAt(asOfMs)} as readings
    where meter_id = ${meterId} ${inRange}
    order by interval_start`.compile(database.db);
  const client = await database.pool.connect();
  const cursor = client.query(new Cursor<ReadingRecord>(query.sql, query.parameters as unknown[]));
  let failed = false;
  try {
    for (;;) {
      const rows = await cursor.read(batchSize);
      if (rows.length > 0) yield rows;
      if (rows.length < batchSize) break; // the cursor is exhausted: no round trip to hear so
    }
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    // cursor.close() waits for the server's answer, which a dead connection never sends: after a
    // failed read (or when closing takes too long) the client is destroyed instead, portal and all.
    if (!failed) failed = !(await settlesWithin(cursor.close(), CURSOR_CLOSE_TIMEOUT_MS));
    client.release(failed);
  }
}

const CURSOR_CLOSE_TIMEOUT_MS = 5_000;
