import type pg from 'pg';

/** A reading to store: the interval start and the exact decimal text, or null when missing. */
export interface ReadingRow {
  intervalStartMs: number;
  usage: string | null;
}

const QUARTER_MS = 900_000;

/**
 * Quarter-hour readings from startIso (inclusive) to endIso (exclusive) with values that differ
 * per interval; `missing` intervals get a NaN (null) and `holes` get no row at all.
 */
export function quarterHours(startIso: string, endIso: string, options: { missing?: string[]; holes?: string[] } = {}): ReadingRow[] {
  const missing = new Set((options.missing ?? []).map((iso) => Date.parse(iso)));
  const holes = new Set((options.holes ?? []).map((iso) => Date.parse(iso)));
  const rows: ReadingRow[] = [];
  for (let ms = Date.parse(startIso); ms < Date.parse(endIso); ms += QUARTER_MS) {
    if (holes.has(ms)) continue;
    const index = ms / QUARTER_MS;
    rows.push({ intervalStartMs: ms, usage: missing.has(ms) ? null : ((index % 97) * 0.25 + 1).toFixed(2) });
  }
  return rows;
}

/**
 * Stores readings of one meter for a test's setup, creating the meter (with the column defaults)
 * when missing; intervals already stored keep their values. Returns how many rows were new.
 */
export async function insertNewReadings(pool: pg.Pool, meterId: string, rows: readonly ReadingRow[]): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('insert into meters (meter_id) values ($1) on conflict (meter_id) do nothing', [meterId]);
    const inserted = await client.query(
      `insert into readings (meter_id, interval_start, usage)
       select $1, timestamptz 'epoch' + start_ms * interval '1 millisecond', usage from unnest($2::bigint[], $3::numeric[]) as row(start_ms, usage)
       on conflict (meter_id, interval_start) do nothing`,
      [meterId, rows.map((row) => row.intervalStartMs), rows.map((row) => row.usage)],
    );
    await client.query('commit');
    return inserted.rowCount ?? 0;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
