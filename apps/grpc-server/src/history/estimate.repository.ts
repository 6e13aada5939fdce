import type pg from 'pg';
import type { StoredValue } from './estimation';
import { instantText } from '../db/instant-text';

// The SQL of an estimation run, on its connection and inside its transaction, with the meter locked.

/** The stored intervals of a meter in [startMs, endMs), by start (read under the meter's lock). */
export async function storedValues(client: pg.PoolClient, meterId: string, startMs: number, endMs: number): Promise<Map<number, StoredValue>> {
  const { rows } = await client.query<{ start_ms: number; usage: number | null; quality: StoredValue['quality'] }>(
    `select (extract(epoch from interval_start) * 1000)::float8 as start_ms, usage::float8 as usage, quality from readings
     where meter_id = $1 and interval_start >= $2::timestamptz and interval_start < $3::timestamptz`,
    [meterId, instantText(startMs), instantText(endMs)],
  );
  return new Map(rows.map((row) => [row.start_ms, { usage: row.usage, quality: row.quality }]));
}

/**
 * Writes estimates as the run's own values (quality estimated, upload runId): into intervals never
 * received, and over missing ones, whose missing version moves to history first. Never over a value:
 * the meter is locked, and the statement checks once more. Returns how many were inserted and updated.
 */
export async function writeEstimates(
  client: pg.PoolClient,
  meterId: string,
  runId: string,
  estimates: ReadonlyArray<{ startMs: number; usage: string }>,
): Promise<{ inserted: number; updated: number }> {
  const starts = estimates.map((estimate) => instantText(estimate.startMs));
  const values = estimates.map((estimate) => estimate.usage);
  const history = await client.query(
    `insert into readings_history (meter_id, interval_start, usage, quality, upload_id, valid_from, replaced_by, replaced_at)
     select r.meter_id, r.interval_start, r.usage, r.quality, r.upload_id, coalesce(u.committed_at, '-infinity'),
            $3::bigint, (select committed_at from uploads where upload_id = $3::bigint)
     from readings r left join uploads u on u.upload_id = r.upload_id
     where r.meter_id = $1 and r.interval_start = any($2::timestamptz[]) and r.usage is null`,
    [meterId, starts, runId],
  );
  const written = await client.query(
    `insert into readings (meter_id, interval_start, usage, quality, upload_id)
     select $1, e.start, e.usage, 'estimated', $4::bigint from unnest($2::timestamptz[], $3::numeric[]) as e(start, usage) order by e.start
     on conflict (meter_id, interval_start) do update set usage = excluded.usage, quality = excluded.quality, upload_id = excluded.upload_id
     where readings.usage is null`,
    [meterId, starts, values, runId],
  );
  const updated = history.rowCount ?? 0;
  return { inserted: (written.rowCount ?? 0) - updated, updated };
}
