import type pg from 'pg';
import type { ConflictPolicyName, TimeLabelName } from '@meterusage/meters';
import { CopyIn } from './copy-in';
import type { RowError } from './row-error';
import type { MeterSpan } from './reading-validator';

// The SQL of an upload, on the one connection (and transaction) the upload holds: a temporary
// staging table filled by COPY, checked with the upload's meters locked, then appended to readings
// (no staged row meets a stored one) or merged with INSERT ... ON CONFLICT.

/** A staged row's interval start as timestamptz (staging alias s). */
const STAGED_START = `timestamptz 'epoch' + s.start_ms * interval '1 millisecond'`;

// How a staged row s meets the stored row r of its interval. A value is its usage and its quality:
// the same number received as actual where an estimate was stored is a change.
/** The staged row holds another value than the stored one (quality is never NULL). */
const DIFFERS = `(r.usage is distinct from s.usage or r.quality <> s.quality)`;
/** An actual value replaces a stored estimate under every conflict policy (estimates fill gaps until the real reading arrives). */
const SUPERSEDES_ESTIMATE = `(r.quality = 'estimated' and s.quality = 'actual' and s.usage is not null)`;
/** A difference on_conflict=reject refuses. */
const CONFLICTS = `${DIFFERS} and not ${SUPERSEDES_ESTIMATE}`;
/** Which differing stored rows a policy replaces: update all of them, skip and reject only estimates. */
const replaces = (policy: ConflictPolicyName) => (policy === 'update' ? DIFFERS : SUPERSEDES_ESTIMATE);
/**
 * The same rules where every staged and stored value is actual (a file without a quality column
 * meeting no estimate or edit: nearly every upload): qualities are equal, so only usage can differ
 * and no estimate is superseded. Comparing one column instead of two is 15% of a re-ingest.
 */
const DIFFERS_ALL_ACTUAL = `r.usage is distinct from s.usage`;
const replacesAllActual = (policy: ConflictPolicyName) => (policy === 'update' ? DIFFERS_ALL_ACTUAL : 'false');

/** Creates the staging table (dropped at commit or rollback); StagingCopy fills it. */
export async function createStaging(client: pg.PoolClient): Promise<void> {
  await client.query(
    `create temporary table readings_staging (
       line integer not null, meter_id text not null, start_ms bigint not null, usage numeric, quality text not null default 'actual'
     ) on commit drop`,
  );
}

/** The COPY into staging, opened on the first write (CopyIn: it pauses for other statements). */
export class StagingCopy extends CopyIn {
  /**
   * Whether the rows carry a quality (StagingRows.withQuality; fixed before the first write). Most
   * files have no quality column: their rows leave it to the column's default, 7 bytes a row less
   * to send and parse.
   */
  withQuality = false;

  protected statement(): string {
    const columns = this.withQuality ? 'line, meter_id, start_ms, usage, quality' : 'line, meter_id, start_ms, usage';
    return `copy readings_staging (${columns}) from stdin`;
  }
}

/** Staged rows taken out as rejected: how many (in all and per meter) and the first ones' errors. */
export interface TakenRows {
  total: number;
  perMeter: Array<{ meterId: string; count: number }>;
  errors: RowError[];
}

const NOTHING_TAKEN: TakenRows = Object.freeze({ total: 0, perMeter: [], errors: [] });

/**
 * Rows that repeat an earlier row's meter and interval (each reported with the earlier line), then
 * deletes them from staging so the first occurrence alone is merged.
 */
export async function takeDuplicates(client: pg.PoolClient, limit: number): Promise<TakenRows> {
  await client.query(`create index on readings_staging (meter_id, start_ms, line)`);
  const { rows } = await client.query<{ line: number; first_line: number; total: number }>(
    `with ranked as (
       select line, min(line) over (partition by meter_id, start_ms) as first_line from readings_staging
     ), repeats as (select line, first_line from ranked where line <> first_line)
     select line, first_line, (select count(*) from repeats)::int as total from repeats order by line limit $1`,
    [limit],
  );
  if (rows.length === 0) return NOTHING_TAKEN;
  const deleted = await client.query<{ meter_id: string; count: number }>(
    `with deleted as (
       delete from readings_staging s using readings_staging t
       where s.meter_id = t.meter_id and s.start_ms = t.start_ms and s.line > t.line
       returning s.meter_id
     )
     select meter_id, count(*)::int as count from deleted group by meter_id`,
  );
  return {
    total: rows[0]!.total,
    perMeter: deleted.rows.map((row) => ({ meterId: row.meter_id, count: row.count })),
    errors: rows.map((row) => ({ line: row.line, field: 'time', reason: `duplicate time: line ${row.first_line} already has a reading for this interval` })),
  };
}

/** Staged rows whose interval already holds a different value, reported as conflicts and removed from staging. */
export async function takeConflicts(client: pg.PoolClient, limit: number): Promise<TakenRows> {
  const { rows } = await client.query<{ line: number; stored: string | null; total: number }>(
    `with conflicts as (
       select s.line, r.usage::text as stored from readings_staging s
       join readings r on r.meter_id = s.meter_id and r.interval_start = ${STAGED_START}
       where ${CONFLICTS}
     )
     select line, stored, (select count(*) from conflicts)::int as total from conflicts order by line limit $1`,
    [limit],
  );
  if (rows.length === 0) return NOTHING_TAKEN;
  const deleted = await client.query<{ meter_id: string; count: number }>(
    `with deleted as (
       delete from readings_staging s using readings r
       where r.meter_id = s.meter_id and r.interval_start = ${STAGED_START} and ${CONFLICTS}
       returning s.meter_id
     )
     select meter_id, count(*)::int as count from deleted group by meter_id`,
  );
  return {
    total: rows[0]!.total,
    perMeter: deleted.rows.map((row) => ({ meterId: row.meter_id, count: row.count })),
    errors: rows.map((row) => ({
      line: row.line,
      field: 'meterusage',
      reason: `conflicts with the stored value ${row.stored ?? 'NaN (missing)'} (on_conflict=reject)`,
    })),
  };
}

/** Creates the meters of meterIds that do not exist yet, in meter order; returns their ids. */
export async function createMissingMeters(client: pg.PoolClient, meterIds: string[], unit: string, timeLabel: TimeLabelName): Promise<string[]> {
  const { rows } = await client.query<{ meter_id: string }>(
    `insert into meters (meter_id, unit, time_label)
     select meter_id, $2, $3 from unnest($1::text[]) as meter_id order by meter_id
     on conflict (meter_id) do nothing
     returning meter_id`,
    [meterIds, unit, timeLabel],
  );
  return rows.map((row) => row.meter_id).sort();
}

/**
 * Locks the upload's meters until the transaction ends, in meter order (so two uploads wait for
 * each other instead of deadlocking): from here on no other upload writes their readings, so what
 * the conflict check and the choice between append and merge see stays true until commit.
 */
export async function lockMeters(client: pg.PoolClient, meterIds: string[]): Promise<void> {
  await client.query(`select meter_id from meters where meter_id = any($1::text[]) order by meter_id for update`, [meterIds]);
}

/** lockMeters for one meter, unless another transaction holds its lock: false then, without waiting. */
export async function lockMeterUnlessHeld(client: pg.PoolClient, meterId: string): Promise<boolean> {
  const { rowCount } = await client.query(`select meter_id from meters where meter_id = $1 for update skip locked`, [meterId]);
  return rowCount === 1;
}

/**
 * Gives meters a new data version (migration 0004: the time in microseconds, or one more than the
 * last). In the upload's transaction, after lockMeters, readers see the new readings and the new
 * version together, never one without the other.
 */
export async function renewDataVersions(client: pg.PoolClient | pg.Pool, meterIds: string[]): Promise<void> {
  if (meterIds.length === 0) return;
  await client.query(
    `update meters set data_version = greatest(data_version + 1, (extract(epoch from clock_timestamp()) * 1000000)::bigint)
     where meter_id = any($1::text[])`,
    [meterIds],
  );
}

/** The unit, interval and time label of meters, as stored (read inside the upload's transaction, after lockMeters). */
export async function meterSettings(
  client: pg.PoolClient,
  meterIds: string[],
): Promise<Array<{ meterId: string; unit: string; intervalSeconds: number; timeLabel: TimeLabelName }>> {
  const { rows } = await client.query<{ meter_id: string; unit: string; interval_seconds: number; time_label: TimeLabelName }>(
    `select meter_id, unit, interval_seconds, time_label from meters where meter_id = any($1::text[]) order by meter_id`,
    [meterIds],
  );
  return rows.map((row) => ({ meterId: row.meter_id, unit: row.unit, intervalSeconds: row.interval_seconds, timeLabel: row.time_label }));
}

/** Whether any stored reading of a meter falls within that meter's staged span (if none does, staging can simply be appended). */
export async function storedWithinSpans(client: pg.PoolClient, spans: MeterSpan[]): Promise<boolean> {
  const { rows } = await client.query<{ overlaps: boolean }>(
    `select exists (
       select 1 from unnest($1::text[], $2::bigint[], $3::bigint[]) as span(meter_id, first_ms, last_ms)
       join readings r on r.meter_id = span.meter_id
        and r.interval_start between timestamptz 'epoch' + span.first_ms * interval '1 millisecond'
                                 and timestamptz 'epoch' + span.last_ms * interval '1 millisecond'
     ) as overlaps`,
    [spans.map((span) => span.meterId), spans.map((span) => span.firstStartMs), spans.map((span) => span.lastStartMs)],
  );
  return rows[0]!.overlaps;
}

/** What a merge did to one meter's staged rows (the rest were equal to what was stored: unchanged). */
export interface MergeCounts {
  meterId: string;
  inserted: number;
  updated: number;
  skipped: number;
}

/** The upload writing: its record's id, whose committed_at every version it replaces gets as replaced_at. */
export interface Writer {
  uploadId: string;
}

/**
 * Appends staging to readings when no staged row meets a stored one (storedWithinSpans was false
 * with the meters locked): a plain INSERT, in the order rows were staged, every row inserted, so
 * each meter's count is its staged rows' (no RETURNING on the fast path), and nothing replaced,
 * so no history. Returns the rows inserted.
 */
export async function appendStaging(client: pg.PoolClient, writer: Writer): Promise<number> {
  const inserted = await client.query(
    `insert into readings (meter_id, interval_start, usage, quality, upload_id)
     select s.meter_id, ${STAGED_START}, s.usage, s.quality, $1::bigint from readings_staging s`,
    [writer.uploadId],
  );
  return inserted.rowCount ?? 0;
}

/**
 * Merges staging into readings where rows may meet stored ones, keeping every value it replaces:
 *   1. one join of staging with the stored rows of the upload's meters and span counts, per meter,
 *      the rows new, replacing and kept out (a differing value the policy leaves alone); a re-sent
 *      file ends here, having written nothing;
 *   2. the stored rows about to be replaced are copied to readings_history, with this upload as
 *      the replacer (in the same snapshot, before any is written);
 *   3. INSERT … ON CONFLICT writes the new and replacing rows, in key order, leaving out rows equal
 *      to the stored ones (NOT EXISTS) so they cost no write and no lock.
 * The meters are locked (lockMeters), so what step 1 counts is what steps 2 and 3 write.
 */
export async function mergeStaging(
  client: pg.PoolClient,
  policy: ConflictPolicyName,
  spans: MeterSpan[],
  writer: Writer & { /** Every staged row is actual (the file had no quality column). */ stagedAllActual: boolean },
): Promise<MergeCounts[]> {
  // A loop, not Math.min(...spans): a file may name more meters than a call takes arguments.
  let firstStartMs = Infinity;
  let lastStartMs = -Infinity;
  for (const span of spans) {
    if (span.firstStartMs < firstStartMs) firstStartMs = span.firstStartMs;
    if (span.lastStartMs > lastStartMs) lastStartMs = span.lastStartMs;
  }
  // With one meter every staged row is its, so the hash join needs the time alone (12% faster).
  const sameMeter = spans.length === 1 ? '' : 'r.meter_id = s.meter_id and ';
  // The stored rows of the upload's meters and span: the part of readings a join may read.
  const stored = `(select meter_id, interval_start, usage, quality, upload_id from readings
                   where meter_id = any($1::text[])
                     and interval_start between timestamptz 'epoch' + $2::bigint * interval '1 millisecond'
                                            and timestamptz 'epoch' + $3::bigint * interval '1 millisecond') r`;
  const params = [spans.map((span) => span.meterId), firstStartMs, lastStartMs];
  // The few estimated and edited values are in a partial index: one probe says whether the span has any.
  const allActual =
    writer.stagedAllActual &&
    !(
      await client.query<{ found: boolean }>(
        `select exists (select 1 from readings r where r.meter_id = any($1::text[])
           and r.interval_start between timestamptz 'epoch' + $2::bigint * interval '1 millisecond' and timestamptz 'epoch' + $3::bigint * interval '1 millisecond'
           and r.quality <> 'actual') as found`,
        params,
      )
    ).rows[0]!.found;
  const differs = allActual ? DIFFERS_ALL_ACTUAL : DIFFERS;
  const replacing = allActual ? replacesAllActual(policy) : replaces(policy);

  // Only the new and differing rows are counted (the rest are unchanged): a re-sent file's rows are
  // all dropped by the WHERE right at the join, leaving nothing to aggregate (a fifth faster).
  const { rows: counts } = await client.query<{ meter_id: string; inserted: number; updated: number; skipped: number }>(
    `select s.meter_id, (count(*) filter (where r.meter_id is null))::int as inserted,
            (count(*) filter (where r.meter_id is not null and ${replacing}))::int as updated,
            (count(*) filter (where r.meter_id is not null and not ${replacing}))::int as skipped
     from readings_staging s left join ${stored} on ${sameMeter}r.interval_start = ${STAGED_START}
     where r.meter_id is null or ${differs}
     group by s.meter_id`,
    params,
  );
  const result = counts.map((row) => ({ meterId: row.meter_id, inserted: row.inserted, updated: row.updated, skipped: row.skipped }));
  const updated = result.reduce((sum, row) => sum + row.updated, 0);
  if (result.every((row) => row.inserted === 0 && row.updated === 0)) return result;

  if (updated > 0) {
    await client.query(
      `insert into readings_history (meter_id, interval_start, usage, quality, upload_id, valid_from, replaced_by, replaced_at)
       select r.meter_id, r.interval_start, r.usage, r.quality, r.upload_id, coalesce(u.committed_at, '-infinity'),
              $4::bigint, (select committed_at from uploads where upload_id = $4::bigint)
       from readings_staging s join ${stored} on ${sameMeter}r.interval_start = ${STAGED_START}
       left join uploads u on u.upload_id = r.upload_id
       where ${replacing}`,
      [...params, writer.uploadId],
    );
  }
  await client.query(
    `insert into readings (meter_id, interval_start, usage, quality, upload_id)
     select s.meter_id, ${STAGED_START}, s.usage, s.quality, $4::bigint from readings_staging s
     where not exists (select 1 from ${stored} where ${sameMeter}r.interval_start = ${STAGED_START} and not (${replacing}))
     order by s.meter_id, s.start_ms
     on conflict (meter_id, interval_start) do update set usage = excluded.usage, quality = excluded.quality, upload_id = excluded.upload_id`,
    [...params, writer.uploadId],
  );
  return result;
}
