import type pg from 'pg';
import { instantText } from '../db/instant-text';

// The SQL of a revert, on the revert's one connection and inside its transaction, with the
// reverted upload's meters locked. Every interval the upload touched is one row of a temporary
// plan (revert_plan): the value before the upload (the history version it replaced), the upload's
// own (the version it wrote, current or replaced since; none where it removed the interval) and
// the current one, and from them what the revert does there.

/** What the revert does to one interval. */
export type RevertAction = 'restore' | 'remove' | 'unchanged' | 'conflict';

/** Where the upload's effects can be: its meters and the span of the intervals it wrote. */
export interface RevertScope {
  uploadId: string;
  meterIds: string[];
  firstStartMs: number;
  lastEndMs: number;
}

/** The rows of revert_plan (alias p) a revert writes: those to restore or remove, and with force the conflicts too. */
const actedOn = (force: boolean) => (force ? `p.action in ('restore', 'remove', 'conflict')` : `p.action in ('restore', 'remove')`);

/** Counts of the plan, per action (conflicts split into left and forced by the caller). */
export interface RevertCounts {
  restore: number;
  remove: number;
  unchanged: number;
  conflict: number;
}

/** A conflicting interval: a later upload changed it after the reverted one. */
export interface RevertConflictRow {
  meter_id: string;
  start_ms: number;
  current_upload_id: string | null;
}

/**
 * Builds revert_plan. An interval is
 * - unchanged when its current value already is the value before the upload (both absent, or the
 *   same usage and quality): reverted before, nothing to do — what makes a revert idempotent;
 * - restore/remove when it still holds what the upload left there (the upload's own version is
 *   current, or the upload removed it and it is still absent): it gets the previous value back,
 *   or is removed when there was none;
 * - conflict otherwise: a later upload wrote it since.
 */
export async function planRevert(client: pg.PoolClient, scope: RevertScope): Promise<RevertCounts> {
  const params = [scope.uploadId, scope.meterIds, instantText(scope.firstStartMs), instantText(scope.lastEndMs)];
  const within = (alias: string) =>
    `${alias}.meter_id = any($2::text[]) and ${alias}.interval_start >= $3::timestamptz and ${alias}.interval_start < $4::timestamptz`;
  await client.query(
    `create temporary table revert_plan on commit drop as
     with touched as (
       select meter_id, interval_start from readings r where ${within('r')} and r.upload_id = $1::bigint
       union
       select meter_id, interval_start from readings_history h where ${within('h')} and (h.upload_id = $1::bigint or h.replaced_by = $1::bigint)
     ),
     states as (
       select t.meter_id, t.interval_start,
              b.meter_id is not null as before_present, b.usage as before_usage, b.quality as before_quality,
              c.meter_id is not null as current_present, c.usage as current_usage, c.quality as current_quality, c.upload_id as current_upload_id,
              exists (select 1 from readings_history w where w.meter_id = t.meter_id and w.interval_start = t.interval_start and w.upload_id = $1::bigint)
                or coalesce(c.upload_id = $1::bigint, false) as wrote
       from touched t
       left join readings_history b on b.meter_id = t.meter_id and b.interval_start = t.interval_start and b.replaced_by = $1::bigint
       left join readings c on c.meter_id = t.meter_id and c.interval_start = t.interval_start
     )
     select *,
            case
              when current_present = before_present and (not current_present or (current_usage, current_quality) is not distinct from (before_usage, before_quality))
                then 'unchanged'
              when (wrote and coalesce(current_upload_id = $1::bigint, false)) or (not wrote and not current_present)
                then case when before_present then 'restore' else 'remove' end
              else 'conflict'
            end as action
     from states`,
    params,
  );
  const { rows } = await client.query<{ action: RevertAction; count: number }>(`select action, count(*)::int as count from revert_plan group by action`);
  const counts: RevertCounts = { restore: 0, remove: 0, unchanged: 0, conflict: 0 };
  for (const row of rows) counts[row.action] = row.count;
  return counts;
}

/** The first conflicting intervals of the plan, by meter and start. */
export async function revertConflicts(client: pg.PoolClient, limit: number): Promise<RevertConflictRow[]> {
  const { rows } = await client.query<RevertConflictRow>(
    `select meter_id, (extract(epoch from interval_start) * 1000)::float8 as start_ms, current_upload_id::text as current_upload_id
     from revert_plan where action = 'conflict' order by meter_id, interval_start limit $1`,
    [limit],
  );
  return rows;
}

/**
 * Carries out the plan for the revert whose record is revertId: the current value of every
 * interval to revert (and, with force, of every conflict) moves to history, replaced by the
 * revert; then the previous values are written back as the revert's own. Returns the meters written.
 */
export async function applyRevert(client: pg.PoolClient, revertId: string, force: boolean): Promise<string[]> {
  const acted = actedOn(force);
  await client.query(
    `insert into readings_history (meter_id, interval_start, usage, quality, upload_id, valid_from, replaced_by, replaced_at)
     select r.meter_id, r.interval_start, r.usage, r.quality, r.upload_id, coalesce(u.committed_at, '-infinity'),
            $1::bigint, (select committed_at from uploads where upload_id = $1::bigint)
     from revert_plan p join readings r on r.meter_id = p.meter_id and r.interval_start = p.interval_start
     left join uploads u on u.upload_id = r.upload_id
     where ${acted}`,
    [revertId],
  );
  await client.query(`delete from readings r using revert_plan p where r.meter_id = p.meter_id and r.interval_start = p.interval_start and ${acted}`);
  await client.query(
    `insert into readings (meter_id, interval_start, usage, quality, upload_id)
     select p.meter_id, p.interval_start, p.before_usage, p.before_quality, $1::bigint from revert_plan p
     where ${acted} and p.before_present order by p.meter_id, p.interval_start`,
    [revertId],
  );
  const { rows } = await client.query<{ meter_id: string }>(`select distinct meter_id from revert_plan p where ${acted} order by meter_id`);
  return rows.map((row) => row.meter_id);
}

/** The span [first start, last end) of the intervals the revert writes, for the rollup refresh and its record. */
export async function revertSpan(client: pg.PoolClient, force: boolean): Promise<{ firstStartMs: number | null; lastEndMs: number | null }> {
  const acted = actedOn(force);
  const { rows } = await client.query<{ first_ms: number | null; last_ms: number | null }>(
    `select (extract(epoch from min(p.interval_start)) * 1000)::float8 as first_ms,
            (extract(epoch from max(p.interval_start + make_interval(secs => m.interval_seconds))) * 1000)::float8 as last_ms
     from revert_plan p join meters m using (meter_id) where ${acted}`,
  );
  return { firstStartMs: rows[0]?.first_ms ?? null, lastEndMs: rows[0]?.last_ms ?? null };
}
