// The baseline of each measurement: the statement grpc-server runs, sent straight from here with
// pg, every row fetched. The SQL texts are the ones Kysely compiles in grpc-server's repositories
// (same parameters, same numbering); keep them in step when a repository changes.
import type pg from 'pg';
import { bucketBoundaries, type BucketWidthName } from '@meterusage/time';
import { to as copyTo } from 'pg-copy-streams';

const iso = (ms: number) => new Date(ms).toISOString();

/** apps/grpc-server/src/readings/readings.repository.ts listReadingSlots. */
const READING_SLOTS_SQL = `
    select (extract(epoch from slot.start) * 1000)::float8 as start_ms,
           r.usage::float8 as usage,
           coalesce(r.quality, 'actual') as quality,
           r.upload_id,
           r.meter_id is not null as stored
    from generate_series($1::timestamptz, $2::timestamptz, make_interval(secs => $3)) as slot(start)
    left join (
      select meter_id, interval_start, usage, quality, upload_id from readings
      where meter_id = $4 and interval_start between $1::timestamptz and $2::timestamptz
    ) r on r.interval_start = slot.start
    order by slot.start`;

export async function readingSlots(client: pg.Client, meterId: string, slots: { firstSlotMs: number; count: number; intervalSeconds: number }) {
  const lastSlotMs = slots.firstSlotMs + (slots.count - 1) * slots.intervalSeconds * 1000;
  const { rows } = await client.query<{ start_ms: number; usage: number | null; stored: boolean }>(READING_SLOTS_SQL, [
    iso(slots.firstSlotMs),
    iso(lastSlotMs),
    slots.intervalSeconds,
    meterId,
  ]);
  return rows;
}

/**
 * The aggregation of apps/grpc-server/src/usage/usage.repository.ts aggregateUsage (readings
 * source) as rows: bucket edges are computed in libs/time, as grpc-server does, and PostgreSQL
 * sorts the readings into them with width_bucket, as grpc-server does for buckets of unequal
 * length. grpc-server reads the same aggregates through a binary COPY, so this baseline is the
 * plain form of its query (the same columns, counts of estimated and edited values included).
 */
const BUCKET_SUMS_SQL = `
    select s.bucket_index::int as bucket_index, s.sum::float8 as sum, s.mean::float8 as mean, s.min::float8 as min, s.max::float8 as max,
           s.present_count::int as present_count, s.estimated_count::int as estimated_count, s.edited_count::int as edited_count
    from (
      select width_bucket("interval_start", $1::timestamptz[]) - 1 as bucket_index, sum(usage) as sum, avg(usage) as mean, min(usage) as min, max(usage) as max,
             count(usage) as present_count,
             count(*) filter (where quality = 'estimated' and usage is not null) as estimated_count,
             count(*) filter (where quality = 'edited' and usage is not null) as edited_count
      from readings where meter_id = $2 and "interval_start" >= $3::timestamptz and "interval_start" < $4::timestamptz group by 1
    ) s order by 1`;

/** The buckets (width in the zone) of a range of one meter, as BUCKET_SUMS_SQL gives them. */
export async function usageBuckets(client: pg.Client, meterId: string, range: { startMs: number; endMs: number; timeZone: string; width: BucketWidthName }) {
  const bounds = bucketBoundaries(range.timeZone, range.width, range.startMs, range.endMs).map(iso);
  const { rows } = await client.query<{ bucket_index: number; present_count: number }>(BUCKET_SUMS_SQL, [
    bounds,
    meterId,
    iso(range.startMs),
    iso(range.endMs),
  ]);
  return rows;
}

/**
 * Buckets of one length (15 minutes, an hour in UTC) as grpc-server counts them off: each reading's
 * bucket computed from its start, not looked up among the edges (the plain form of its query).
 */
const EVEN_BUCKET_SUMS_SQL = `
    select floor(((extract(epoch from interval_start) * 1000) - $3::float8) / $4::float8)::int as bucket_index,
           sum(usage)::float8 as sum, avg(usage)::float8 as mean, min(usage)::float8 as min, max(usage)::float8 as max,
           count(usage)::int as present_count,
           (count(*) filter (where quality = 'estimated' and usage is not null))::int as estimated_count,
           (count(*) filter (where quality = 'edited' and usage is not null))::int as edited_count
    from readings where meter_id = $1 and interval_start >= $2::timestamptz and interval_start < $5::timestamptz
    group by 1 order by 1`;

export async function evenUsageBuckets(client: pg.Client, meterId: string, range: { startMs: number; endMs: number; stepMs: number }) {
  const { rows } = await client.query<{ bucket_index: number; present_count: number }>(EVEN_BUCKET_SUMS_SQL, [
    meterId,
    iso(range.startMs),
    range.startMs,
    range.stepMs,
    iso(range.endMs),
  ]);
  return rows;
}

/** apps/grpc-server/src/usage/usage.repository.ts summarizeUsage. */
const SUMMARY_SQL = `
    with r as materialized (
      select interval_start, usage, quality, upload_id from readings
      where meter_id = $1 and interval_start >= $2::timestamptz and interval_start < $3::timestamptz
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
           (extract(epoch from peak.interval_start) * 1000)::float8 as peak_start_ms, peak.usage::float8 as peak_usage, peak.quality as peak_quality, peak.upload_id as peak_upload_id,
           (extract(epoch from minimum.interval_start) * 1000)::float8 as minimum_start_ms, minimum.usage::float8 as minimum_usage,
           minimum.quality as minimum_quality, minimum.upload_id as minimum_upload_id,
           (extract(epoch from first.interval_start) * 1000)::float8 as first_start_ms, first.usage::float8 as first_usage, first.quality as first_quality, first.upload_id as first_upload_id,
           (extract(epoch from last.interval_start) * 1000)::float8 as last_start_ms, last.usage::float8 as last_usage, last.quality as last_quality, last.upload_id as last_upload_id
    from totals left join peak on true left join minimum on true left join first on true left join last on true`;

export async function usageSummary(client: pg.Client, meterId: string, range: { startMs: number; endMs: number }) {
  const { rows } = await client.query<{ present_count: number }>(SUMMARY_SQL, [meterId, iso(range.startMs), iso(range.endMs)]);
  return rows[0]!;
}

/** Every reading of a meter, with the columns the export writes, through COPY … TO STDOUT as fast as PostgreSQL sends it; returns the line count. */
export async function copyReadings(client: pg.Client, meterId: string): Promise<number> {
  // COPY takes no parameters: the id goes in as an escaped literal.
  const statement = `copy (select interval_start, usage, quality, upload_id from readings where meter_id = ${client.escapeLiteral(meterId)} order by interval_start) to stdout`;
  let lines = 0;
  for await (const chunk of client.query(copyTo(statement)) as AsyncIterable<Buffer>) lines += countNewlines(chunk);
  return lines;
}

/** Newline bytes in a chunk of text (one per CSV or COPY row). */
export function countNewlines(chunk: Uint8Array): number {
  let count = 0;
  for (let index = chunk.indexOf(10); index !== -1; index = chunk.indexOf(10, index + 1)) count += 1;
  return count;
}
