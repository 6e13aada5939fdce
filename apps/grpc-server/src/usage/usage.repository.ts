import { sql, type Kysely, type RawBuilder } from 'kysely';
import { readingsAt } from '../db/readings-as-of';
import type { Database, StoredQuality } from '../db/schema';
import type { OperatingSchedule } from './operating-schedule';
import { instantText } from '../db/instant-text';

/**
 * Where bucket aggregates come from: the readings themselves, or (TimescaleDB) the hourly
 * continuous aggregate, which gives the same numbers when every bucket is made of whole UTC hours.
 */
export type AggregateSource = 'readings' | 'hourly-rollup';

/** Aggregates of the readings of one bucket; buckets without readings have no row. */
export interface BucketRow {
  /** Index of the bucket: 0 is [boundsMs[0], boundsMs[1]). */
  bucket_index: number;
  sum: number | null;
  mean: number | null;
  min: number | null;
  max: number | null;
  present_count: number;
  /** Of present_count, the estimated and the edited values. */
  estimated_count: number;
  edited_count: number;
}

export interface SummaryRow {
  present_count: number;
  /** 10th percentile of the present values (percentile_cont); null without values. */
  p10_usage: number | null;
  estimated_count: number;
  edited_count: number;
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
  peak_quality: StoredQuality | null;
  peak_upload_id: string | null;
  minimum_quality: StoredQuality | null;
  minimum_upload_id: string | null;
  first_quality: StoredQuality | null;
  first_upload_id: string | null;
  last_quality: StoredQuality | null;
  last_upload_id: string | null;
}

export interface UsageQuery {
  meterId: string;
  startMs: number;
  endMs: number;
  /** Read the readings as they stood at this instant (readings-as-of.ts); undefined: now. */
  asOfMs?: number | undefined;
}

const iso = instantText;
const epochMs = (expression: RawBuilder<unknown>) => sql<number>`(extract(epoch from ${expression}) * 1000)::float8`;

// Each bucket holding readings, packed by PostgreSQL into bytea: bucket_index (int4), sum,
// mean, min, max (float8), present_count, estimated_count and edited_count (int4), big-endian as
// int4send/float8send write them.
// A year in 15-minute buckets is 35,040 rows: as rows, pg parsed them into 35k objects of six
// strings and numbers, all at once when the answer arrived (over 100 ms with the event loop held)
// and alive until the answer was encoded; packed, it is one value read in place.
const PACKED_BUCKET_BYTES = 4 + 4 * 8 + 3 * 4;
const PACKED_ROW_BUCKETS = 1024;

/** The aggregates of the buckets holding readings, ascending by bucket_index, read in place. */
export class BucketRows {
  private readonly view: DataView;

  constructor(packed: Uint8Array) {
    if (packed.byteLength % PACKED_BUCKET_BYTES !== 0)
      throw new Error(`packed bucket aggregates of ${packed.byteLength} bytes, not a multiple of ${PACKED_BUCKET_BYTES}`);
    this.view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  }

  get length(): number {
    return this.view.byteLength / PACKED_BUCKET_BYTES;
  }

  bucketIndexAt(position: number): number {
    return this.view.getInt32(position * PACKED_BUCKET_BYTES);
  }

  /** The row at position; its aggregates are null when it holds no value (present_count 0), as SQL's are. */
  at(position: number): BucketRow {
    const offset = position * PACKED_BUCKET_BYTES;
    const presentCount = this.view.getInt32(offset + 36);
    const present = presentCount !== 0;
    // Read inline, not through a closure made per row: under tsx (serve, the benches) every
    // function made in a hot path also costs a call of esbuild's naming helper.
    return {
      bucket_index: this.bucketIndexAt(position),
      sum: present ? this.view.getFloat64(offset + 4) : null,
      mean: present ? this.view.getFloat64(offset + 12) : null,
      min: present ? this.view.getFloat64(offset + 20) : null,
      max: present ? this.view.getFloat64(offset + 28) : null,
      present_count: presentCount,
      estimated_count: this.view.getInt32(offset + 40),
      edited_count: this.view.getInt32(offset + 44),
    };
  }
}

/**
 * SQL for the index of the bucket a time column falls in. Buckets of one length (15 minutes
 * always, hours in most zones) are counted off arithmetically; others are looked up with
 * width_bucket(x, thresholds), which is 1 for thresholds[1] <= x < thresholds[2], and so on. A
 * year of 15-minute bounds as a timestamptz[] parameter cost grpc-server 50 ms of formatting and
 * escaping in one step (and PostgreSQL the parsing of 35k timestamps). The arithmetic is exact:
 * interval starts (on the meter's grid) and even bucket bounds are whole seconds, so
 * date_part's float8 seconds and their thousandfold are whole numbers below 2^53, held exactly.
 */
function bucketIndexOf(boundsMs: readonly number[]): (column: RawBuilder<unknown>) => RawBuilder<unknown> {
  const stepMs = boundsMs[1]! - boundsMs[0]!;
  const uniform = boundsMs.every((bound, index) => index === 0 || bound - boundsMs[index - 1]! === stepMs);
  if (uniform) return (column) => sql`floor((date_part('epoch', ${column}) * 1000 - ${boundsMs[0]}::float8) / ${stepMs}::float8)::int`;
  const bounds = boundsMs.map(iso);
  return (column) => sql`width_bucket(${column}, ${bounds}::timestamptz[]) - 1`;
}

/**
 * Aggregates per bucket of the readings in [startMs, endMs): boundsMs are the ascending bucket
 * boundaries (computed by the caller for the zone), and each reading goes to the bucket its
 * interval start falls in. Only buckets holding readings come back.
 */
export async function aggregateUsage(db: Kysely<Database>, query: UsageQuery & { boundsMs: readonly number[]; source: AggregateSource }): Promise<BucketRows> {
  const inRange = (column: RawBuilder<unknown>) =>
    sql`meter_id = ${query.meterId} and ${column} >= ${iso(query.startMs)}::timestamptz and ${column} < ${iso(query.endMs)}::timestamptz`;
  const bucketIndex = bucketIndexOf(query.boundsMs);
  // The rollup has no qualities: its buckets take their counts of estimated and edited values from
  // the readings_not_actual partial index (a few rows, where the bulk of readings are actual).
  const qualityCounts = (source: RawBuilder<unknown>, onlyNotActual: boolean) => sql`
      count(*) filter (where quality = 'estimated' and usage is not null) as estimated_count,
      count(*) filter (where quality = 'edited' and usage is not null) as edited_count
      from ${source} as readings where ${inRange(sql.ref('interval_start'))}${onlyNotActual ? sql` and quality <> 'actual'` : sql``}`;
  const sums =
    query.source === 'hourly-rollup' && query.asOfMs === undefined
      ? sql`
      select a.*, coalesce(q.estimated_count, 0) as estimated_count, coalesce(q.edited_count, 0) as edited_count from (
        select ${bucketIndex(sql.ref('bucket_start'))} as bucket_index, sum(usage_sum) as sum, sum(usage_sum) / nullif(sum(present_count), 0) as mean,
               min(usage_min) as min, max(usage_max) as max, sum(present_count) as present_count
        from readings_hourly where ${inRange(sql.ref('bucket_start'))} group by 1
      ) a left join (
        select ${bucketIndex(sql.ref('interval_start'))} as bucket_index, ${qualityCounts(sql`readings`, true)} group by 1
      ) q on q.bucket_index = a.bucket_index`
      : sql`
      select ${bucketIndex(sql.ref('interval_start'))} as bucket_index, sum(usage) as sum, avg(usage) as mean, min(usage) as min, max(usage) as max,
             count(usage) as present_count, ${qualityCounts(readingsAt(query.asOfMs), false)}
      group by 1`;
  // The aggregates are NULL exactly when present_count is 0 (no value to aggregate); 0 stands in
  // for them in the packing, and BucketRows gives NULL back from the count. Packed in rows of
  // PACKED_ROW_BUCKETS buckets, as base64 text: one 1.4 MB bytea arrived as 2.8 MB of hex, which
  // pg reassembled and decoded in one step of 60 ms; rows of 40 kB parse as they arrive, and
  // base64 decodes several times faster than hex.
  const { rows } = await sql<{ packed: string }>`
    select translate(encode(string_agg(
             int4send(s.bucket_index::int) || float8send(coalesce(s.sum, 0)::float8) || float8send(coalesce(s.mean, 0)::float8)
             || float8send(coalesce(s.min, 0)::float8) || float8send(coalesce(s.max, 0)::float8) || int4send(s.present_count::int)
             || int4send(s.estimated_count::int) || int4send(s.edited_count::int),
             ''::bytea order by s.bucket_index), 'base64'), E'\n', '') as packed
    from (${sums}) s
    group by s.bucket_index / ${sql.lit(PACKED_ROW_BUCKETS)}
    order by s.bucket_index / ${sql.lit(PACKED_ROW_BUCKETS)}`.execute(db);
  return new BucketRows(Buffer.concat(rows.map((row) => Buffer.from(row.packed, 'base64'))));
}

/** Totals, extremes (earliest interval on a tie) and the first and last stored reading of a range, in one round trip. */
export async function summarizeUsage(db: Kysely<Database>, query: UsageQuery): Promise<SummaryRow> {
  const { rows } = await sql<SummaryRow>`
    with r as materialized (
      select interval_start, usage, quality, upload_id from ${readingsAt(query.asOfMs)} as readings
      where meter_id = ${query.meterId} and interval_start >= ${iso(query.startMs)}::timestamptz and interval_start < ${iso(query.endMs)}::timestamptz
    ),
    totals as (
      select count(usage)::int as present_count, sum(usage)::float8 as total, avg(usage)::float8 as mean,
             percentile_cont(0.1) within group (order by usage::float8) as p10_usage,
             (count(*) filter (where quality = 'estimated' and usage is not null))::int as estimated_count,
             (count(*) filter (where quality = 'edited' and usage is not null))::int as edited_count
      from r
    ),
    peak as (select * from r where usage is not null order by usage desc, interval_start limit 1),
    minimum as (select * from r where usage is not null order by usage asc, interval_start limit 1),
    first as (select * from r order by interval_start limit 1),
    last as (select * from r order by interval_start desc limit 1)
    select totals.*,
           ${epochMs(sql`peak.interval_start`)} as peak_start_ms, peak.usage::float8 as peak_usage, peak.quality as peak_quality, peak.upload_id as peak_upload_id,
           ${epochMs(sql`minimum.interval_start`)} as minimum_start_ms, minimum.usage::float8 as minimum_usage,
           minimum.quality as minimum_quality, minimum.upload_id as minimum_upload_id,
           ${epochMs(sql`first.interval_start`)} as first_start_ms, first.usage::float8 as first_usage, first.quality as first_quality, first.upload_id as first_upload_id,
           ${epochMs(sql`last.interval_start`)} as last_start_ms, last.usage::float8 as last_usage, last.quality as last_quality, last.upload_id as last_upload_id
    from totals left join peak on true left join minimum on true left join first on true left join last on true`.execute(db);
  return rows[0]!;
}

/**
 * The present values of a summary's range split by the operating hours (operating-schedule.ts):
 * an interval is inside when its local start in timeZone falls on an entry's weekday and minutes.
 */
export async function splitBySchedule(
  db: Kysely<Database>,
  query: UsageQuery,
  timeZone: string,
  schedule: OperatingSchedule,
): Promise<{ inside_total: number; outside_total: number; inside_count: number; outside_count: number }> {
  const { rows } = await sql<{ inside_total: number; outside_total: number; inside_count: number; outside_count: number }>`
    with local as (
      select usage, interval_start at time zone ${timeZone} as local_start from ${readingsAt(query.asOfMs)} as readings
      where meter_id = ${query.meterId} and interval_start >= ${iso(query.startMs)}::timestamptz and interval_start < ${iso(query.endMs)}::timestamptz
        and usage is not null
    ), placed as (
      select usage, exists (
        select 1 from unnest(${schedule.isoWeekdays}::int[], ${schedule.fromMinutes}::int[], ${schedule.toMinutes}::int[]) as hours(day, from_minute, to_minute)
        where hours.day = extract(isodow from local_start)
          and extract(hour from local_start) * 60 + extract(minute from local_start) >= hours.from_minute
          and extract(hour from local_start) * 60 + extract(minute from local_start) < hours.to_minute
      ) as inside
      from local
    )
    select coalesce(sum(usage) filter (where inside), 0)::float8 as inside_total, coalesce(sum(usage) filter (where not inside), 0)::float8 as outside_total,
           (count(*) filter (where inside))::int as inside_count, (count(*) filter (where not inside))::int as outside_count
    from placed`.execute(db);
  return rows[0]!;
}
