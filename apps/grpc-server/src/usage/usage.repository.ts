import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../db/schema';

export type BucketWidthName = '15m' | 'hour' | 'day' | 'week' | 'month';

/**
 * Where bucket aggregates come from: the readings themselves, or (TimescaleDB) the hourly
 * continuous aggregate, which gives the same numbers when every bucket is made of whole UTC hours.
 */
export type AggregateSource = 'readings' | 'hourly-rollup';

export interface BucketRow {
  start_ms: number;
  end_ms: number;
  sum: number | null;
  mean: number | null;
  min: number | null;
  max: number | null;
  present_count: number;
}

export interface SummaryRow {
  present_count: number;
  total: number | null;
  mean: number | null;
  peak_start_ms: number | null;
  peak_usage: number | null;
  minimum_start_ms: number | null;
  minimum_usage: number | null;
  first_start_ms: number | null;
  first_usage: number | null;
  last_start_ms: number | null;
  last_usage: number | null;
}

export interface UsageQuery {
  meterId: string;
  startMs: number;
  endMs: number;
}

const iso = (ms: number) => new Date(ms).toISOString();
const epochMs = (expression: RawBuilder<unknown>) => sql<number>`(extract(epoch from ${expression}) * 1000)::float8`;

/**
 * How each width cuts time. Sub-day buckets step by absolute durations (so the repeated hour of
 * an autumn DST change is two buckets); day, week and month step through local calendar time and
 * convert each local boundary back to an instant (so a DST day is 23 or 25 hours long).
 */
function bucketing(
  width: BucketWidthName,
  timeZone: string,
  startIso: string,
  endIso: string,
  column: RawBuilder<unknown>,
): { series: RawBuilder<unknown>; key: RawBuilder<unknown> } {
  switch (width) {
    case '15m':
      return {
        series: sql`select s as bucket_start, s + interval '15 minutes' as bucket_end
                    from generate_series(date_bin('15 minutes', ${startIso}::timestamptz, timestamptz 'epoch'),
                                         ${endIso}::timestamptz - interval '1 microsecond', interval '15 minutes') as s`,
        key: sql`date_bin('15 minutes', ${column}, timestamptz 'epoch')`,
      };
    case 'hour':
      return {
        series: sql`select s as bucket_start, s + interval '1 hour' as bucket_end
                    from generate_series(date_trunc('hour', ${startIso}::timestamptz, ${timeZone}),
                                         ${endIso}::timestamptz - interval '1 microsecond', interval '1 hour') as s`,
        key: sql`date_trunc('hour', ${column}, ${timeZone})`,
      };
    case 'day':
    case 'week':
    case 'month': {
      const unit = sql.lit(width);
      const step = sql.raw(`interval '1 ${width}'`);
      return {
        series: sql`select local_start at time zone ${timeZone} as bucket_start,
                           (local_start + ${step}) at time zone ${timeZone} as bucket_end
                    from generate_series(date_trunc(${unit}, ${startIso}::timestamptz at time zone ${timeZone}),
                                         (${endIso}::timestamptz - interval '1 microsecond') at time zone ${timeZone},
                                         ${step}) as local_start`,
        key: sql`date_trunc(${unit}, ${column}, ${timeZone})`,
      };
    }
  }
}

/** Every bucket overlapping [startMs, endMs), with the aggregates of the readings inside both. */
export async function aggregateUsage(
  db: Kysely<Database>,
  query: UsageQuery & { width: BucketWidthName; timeZone: string; source: AggregateSource },
): Promise<BucketRow[]> {
  const startIso = iso(query.startMs);
  const endIso = iso(query.endMs);
  const inRange = (column: RawBuilder<unknown>) =>
    sql`meter_id = ${query.meterId} and ${column} >= ${startIso}::timestamptz and ${column} < ${endIso}::timestamptz`;
  let series: RawBuilder<unknown>;
  let sums: RawBuilder<unknown>;
  if (query.source === 'hourly-rollup') {
    const column = sql.ref('bucket_start');
    const cut = bucketing(query.width, query.timeZone, startIso, endIso, column);
    series = cut.series;
    sums = sql`
      select ${cut.key} as bucket_start, sum(usage_sum) as sum, sum(usage_sum) / nullif(sum(present_count), 0) as mean,
             min(usage_min) as min, max(usage_max) as max, sum(present_count) as present_count
      from readings_hourly where ${inRange(column)} group by 1`;
  } else {
    const column = sql.ref('interval_start');
    const cut = bucketing(query.width, query.timeZone, startIso, endIso, column);
    series = cut.series;
    sums = sql`
      select ${cut.key} as bucket_start, sum(usage) as sum, avg(usage) as mean, min(usage) as min, max(usage) as max, count(usage) as present_count
      from readings where ${inRange(column)} group by 1`;
  }
  const { rows } = await sql<BucketRow>`
    with bucket_list as (${series}), sums as (${sums})
    select ${epochMs(sql`b.bucket_start`)} as start_ms, ${epochMs(sql`b.bucket_end`)} as end_ms,
           s.sum::float8 as sum, s.mean::float8 as mean, s.min::float8 as min, s.max::float8 as max,
           coalesce(s.present_count, 0)::int as present_count
    from bucket_list b left join sums s on s.bucket_start = b.bucket_start
    order by b.bucket_start`.execute(db);
  return rows;
}

/** Totals, extremes (earliest interval on a tie) and the first and last stored reading of a range, in one round trip. */
export async function summarizeUsage(db: Kysely<Database>, query: UsageQuery): Promise<SummaryRow> {
  const { rows } = await sql<SummaryRow>`
    with r as materialized (
      select interval_start, usage from readings
      where meter_id = ${query.meterId} and interval_start >= ${iso(query.startMs)}::timestamptz and interval_start < ${iso(query.endMs)}::timestamptz
    ),
    totals as (select count(usage)::int as present_count, sum(usage)::float8 as total, avg(usage)::float8 as mean from r),
    peak as (select interval_start, usage from r where usage is not null order by usage desc, interval_start limit 1),
    minimum as (select interval_start, usage from r where usage is not null order by usage asc, interval_start limit 1),
    first as (select interval_start, usage from r order by interval_start limit 1),
    last as (select interval_start, usage from r order by interval_start desc limit 1)
    select totals.*,
           ${epochMs(sql`peak.interval_start`)} as peak_start_ms, peak.usage::float8 as peak_usage,
           ${epochMs(sql`minimum.interval_start`)} as minimum_start_ms, minimum.usage::float8 as minimum_usage,
           ${epochMs(sql`first.interval_start`)} as first_start_ms, first.usage::float8 as first_usage,
           ${epochMs(sql`last.interval_start`)} as last_start_ms, last.usage::float8 as last_usage
    from totals left join peak on true left join minimum on true left join first on true left join last on true`.execute(db);
  return rows[0]!;
}
