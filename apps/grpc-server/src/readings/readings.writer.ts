import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** A reading ready to store: the interval start and the exact decimal text, or null when missing. */
export interface ReadingRow {
  intervalStartMs: number;
  usage: string | null;
}

export interface LoadResult {
  /** Rows given to the loader. */
  received: number;
  /** Rows that were new and are now stored. */
  inserted: number;
}

/**
 * Stores readings of one meter in a single transaction: COPY into a temporary staging table,
 * then INSERT … ON CONFLICT DO NOTHING, so existing intervals are kept and nothing is duplicated.
 * The meter row is created (with default unit and interval) when missing. All or nothing.
 */
export async function insertNewReadings(pool: pg.Pool, meterId: string, rows: readonly ReadingRow[]): Promise<LoadResult> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('insert into meters (meter_id) values ($1) on conflict (meter_id) do nothing', [meterId]);
    await client.query(
      'create temporary table readings_staging (interval_start timestamptz not null, usage numeric) on commit drop',
    );
    await pipeline(Readable.from(copyLines(rows)), client.query(copyFrom('copy readings_staging (interval_start, usage) from stdin')));
    const inserted = await client.query(
      `insert into readings (meter_id, interval_start, usage)
       select $1, interval_start, usage from readings_staging
       on conflict (meter_id, interval_start) do nothing`,
      [meterId],
    );
    await client.query('commit');
    return { received: rows.length, inserted: inserted.rowCount ?? 0 };
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** COPY text format, a few thousand rows per chunk so the stream is not flooded with tiny writes. */
function* copyLines(rows: readonly ReadingRow[]): Generator<string> {
  const chunkRows = 4096;
  for (let start = 0; start < rows.length; start += chunkRows) {
    let chunk = '';
    for (const row of rows.slice(start, start + chunkRows)) {
      chunk += `${new Date(row.intervalStartMs).toISOString()}\t${row.usage ?? '\\N'}\n`;
    }
    yield chunk;
  }
}
