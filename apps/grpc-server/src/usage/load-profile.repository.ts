import { sql, type Kysely } from 'kysely';
import { readingsAt } from '../db/readings-as-of';
import type { Database } from '../db/schema';
import type { UsageQuery } from './usage.repository';
import { instantText } from '../db/instant-text';

/** Which local days a profile reads (by the local date of each slot occurrence). */
export type DayGroupName = 'all' | 'weekday' | 'weekend';

/** The statistics of one time of day; slots without any occurrence in the range have no row. */
export interface ProfileSlotRow {
  start_minute: number;
  count: number;
  incomplete_count: number;
  mean: number | null;
  min: number | null;
  max: number | null;
  p10: number | null;
  p90: number | null;
}

export interface ProfileQuery extends UsageQuery {
  timeZone: string;
  /** Slot length in minutes (15 or 60: both divide a day, so slots start at local midnight). */
  slotMinutes: number;
  dayGroup: DayGroupName;
  intervalSeconds: number;
}

const DAY_FILTERS: Record<DayGroupName, string> = {
  all: 'true',
  weekday: 'extract(isodow from slot_local) between 1 and 5',
  weekend: 'extract(isodow from slot_local) in (6, 7)',
};

/**
 * A load profile, per slot of local clock time. Every interval of the meter's grid in the range
 * (generate_series, so intervals never received count too) is placed on the local clock of the
 * zone; an occurrence is one slot of one local date and one UTC offset (a repeated hour is two);
 * it is complete when each of its slotMinutes / interval intervals has a value, and then its
 * usage, the sum of them, is an observation of its slot. Incomplete ones are counted, not used.
 */
export async function loadProfile(db: Kysely<Database>, query: ProfileQuery): Promise<ProfileSlotRow[]> {
  const intervalMs = query.intervalSeconds * 1000;
  const firstMs = Math.ceil(query.startMs / intervalMs) * intervalMs;
  const lastMs = Math.ceil(query.endMs / intervalMs) * intervalMs - intervalMs;
  if (lastMs < firstMs) return [];
  const perOccurrence = (query.slotMinutes * 60) / query.intervalSeconds;
  const iso = instantText;
  const { rows } = await sql<ProfileSlotRow>`
    with grid as (
      select g as interval_start from generate_series(${iso(firstMs)}::timestamptz, ${iso(lastMs)}::timestamptz, ${`${query.intervalSeconds} seconds`}::interval) g
    ),
    stored as (
      select interval_start, usage from ${readingsAt(query.asOfMs)} as readings
      where meter_id = ${query.meterId} and interval_start >= ${iso(query.startMs)}::timestamptz and interval_start < ${iso(query.endMs)}::timestamptz
    ),
    placed as (
      select g.interval_start at time zone ${query.timeZone} as local, g.interval_start at time zone 'UTC' as utc, s.usage
      from grid g left join stored s on s.interval_start = g.interval_start
    ),
    occurrences as (
      select date_bin(${`${query.slotMinutes} minutes`}::interval, local, timestamp '2000-01-01') as slot_local, local - utc as utc_offset,
             count(usage) = ${perOccurrence} as complete, sum(usage)::float8 as usage
      from placed group by 1, 2
    )
    select (extract(hour from slot_local) * 60 + extract(minute from slot_local))::int as start_minute,
           (count(*) filter (where complete))::int as count, (count(*) filter (where not complete))::int as incomplete_count,
           avg(usage) filter (where complete) as mean, min(usage) filter (where complete) as min, max(usage) filter (where complete) as max,
           percentile_cont(0.1) within group (order by usage) filter (where complete) as p10,
           percentile_cont(0.9) within group (order by usage) filter (where complete) as p90
    from occurrences where ${sql.raw(DAY_FILTERS[query.dayGroup])}
    group by 1 order by 1`.execute(db);
  return rows;
}
