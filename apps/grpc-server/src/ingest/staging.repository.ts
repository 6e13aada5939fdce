import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Writable } from 'node:stream';
import type { TimeLabel } from '../db/schema';
import type { RowError } from './row-error';

// The SQL of an upload, on the one connection (and transaction) the upload holds: a temporary
// staging table filled by COPY, checked, then merged into readings with INSERT ... ON CONFLICT.

export type ConflictPolicyName = 'update' | 'skip' | 'reject';

/** Creates the staging table (dropped at commit or rollback) and opens a COPY stream into it. */
export async function openStaging(client: pg.PoolClient): Promise<Writable> {
  await client.query(
    `create temporary table readings_staging (line integer not null, meter_id text not null, start_ms bigint not null, usage numeric)
     on commit drop`,
  );
  return client.query(copyFrom('copy readings_staging (line, meter_id, start_ms, usage) from stdin'));
}

/** One row in COPY's text format; meter ids and values were validated, so nothing needs escaping. */
export function stagingLine(line: number, meterId: string, startMs: number, usage: string | null): string {
  return `${line}\t${meterId}\t${startMs}\t${usage ?? '\\N'}\n`;
}

/**
 * Rows that repeat an earlier row's meter and interval (each reported with the earlier line), then
 * deletes them from staging so the first occurrence alone is merged.
 */
export async function takeDuplicates(client: pg.PoolClient, limit: number): Promise<{ total: number; errors: RowError[] }> {
  await client.query(`create index on readings_staging (meter_id, start_ms, line)`);
  const { rows } = await client.query<{ line: number; first_line: number; total: number }>(
    `with ranked as (
       select line, min(line) over (partition by meter_id, start_ms) as first_line from readings_staging
     ), repeats as (select line, first_line from ranked where line <> first_line)
     select line, first_line, (select count(*) from repeats)::int as total from repeats order by line limit $1`,
    [limit],
  );
  if (rows.length === 0) return { total: 0, errors: [] };
  await client.query(
    `delete from readings_staging s using readings_staging t
     where s.meter_id = t.meter_id and s.start_ms = t.start_ms and s.line > t.line`,
  );
  return {
    total: rows[0]!.total,
    errors: rows.map((row) => ({ line: row.line, field: 'time', reason: `duplicate time: line ${row.first_line} already has a reading for this interval` })),
  };
}

/** Staged rows whose interval already holds a different value, reported as conflicts and removed from staging. */
export async function takeConflicts(client: pg.PoolClient, limit: number): Promise<{ total: number; errors: RowError[] }> {
  const { rows } = await client.query<{ line: number; stored: string | null; total: number }>(
    `with conflicts as (
       select s.line, r.usage::text as stored from readings_staging s
       join readings r on r.meter_id = s.meter_id and r.interval_start = timestamptz 'epoch' + s.start_ms * interval '1 millisecond'
       where r.usage is distinct from s.usage
     )
     select line, stored, (select count(*) from conflicts)::int as total from conflicts order by line limit $1`,
    [limit],
  );
  if (rows.length === 0) return { total: 0, errors: [] };
  await client.query(
    `delete from readings_staging s using readings r
     where r.meter_id = s.meter_id and r.interval_start = timestamptz 'epoch' + s.start_ms * interval '1 millisecond'
       and r.usage is distinct from s.usage`,
  );
  return {
    total: rows[0]!.total,
    errors: rows.map((row) => ({
      line: row.line,
      field: 'meterusage',
      reason: `conflicts with the stored value ${row.stored ?? 'NaN (missing)'} (on_conflict=reject)`,
    })),
  };
}

/** Creates the meters staging names that do not exist yet; returns their ids. */
export async function createMissingMeters(client: pg.PoolClient, unit: string, timeLabel: TimeLabel): Promise<string[]> {
  const { rows } = await client.query<{ meter_id: string }>(
    `insert into meters (meter_id, unit, time_label)
     select distinct meter_id, $1, $2 from readings_staging
     on conflict (meter_id) do nothing
     returning meter_id`,
    [unit, timeLabel],
  );
  return rows.map((row) => row.meter_id).sort();
}

export interface MergeCounts {
  inserted: number;
  updated: number;
  skipped: number;
}

/**
 * Merges staging into readings. Rows go in key order, so concurrent uploads to one meter lock
 * rows in the same order and wait for each other instead of deadlocking. Equal values are left
 * untouched (no write, no update counted).
 */
export async function mergeStaging(client: pg.PoolClient, policy: ConflictPolicyName): Promise<MergeCounts> {
  const staged = `select meter_id, timestamptz 'epoch' + start_ms * interval '1 millisecond' as interval_start, usage
                  from readings_staging order by meter_id, start_ms`;
  if (policy === 'update') {
    const { rows } = await client.query<{ inserted: number; updated: number }>(
      `with upserted as (
         insert into readings (meter_id, interval_start, usage) ${staged}
         on conflict (meter_id, interval_start) do update set usage = excluded.usage
         where readings.usage is distinct from excluded.usage
         returning xmax = 0 as inserted
       )
       select (count(*) filter (where inserted))::int as inserted, (count(*) filter (where not inserted))::int as updated from upserted`,
    );
    return { inserted: rows[0]!.inserted, updated: rows[0]!.updated, skipped: 0 };
  }
  // skip (and reject, whose conflicts were taken out already): stored values win.
  const differing = await client.query<{ skipped: number }>(
    `select count(*)::int as skipped from readings_staging s
     join readings r on r.meter_id = s.meter_id and r.interval_start = timestamptz 'epoch' + s.start_ms * interval '1 millisecond'
     where r.usage is distinct from s.usage`,
  );
  const inserted = await client.query(`insert into readings (meter_id, interval_start, usage) ${staged} on conflict (meter_id, interval_start) do nothing`);
  return { inserted: inserted.rowCount ?? 0, updated: 0, skipped: differing.rows[0]!.skipped };
}
