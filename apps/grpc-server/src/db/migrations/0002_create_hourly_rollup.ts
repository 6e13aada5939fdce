import { sql, type Kysely } from 'kysely';

// Frozen once shipped. TimescaleDB only: a continuous aggregate of readings per meter and UTC
// hour, which AggregateUsage reads for hour/day/week/month buckets where the time zone's hours
// line up with UTC hours. materialized_only = false: the not-yet-materialised tail is computed
// from readings on the fly, so results never lag behind writes at the end of the series.

export async function up(db: Kysely<any>): Promise<void> {
  const { rows } = await sql<{ installed: boolean }>`select exists (select 1 from pg_extension where extname = 'timescaledb') as installed`.execute(db);
  if (rows[0]?.installed !== true) return;

  await sql`
    create materialized view readings_hourly
    with (timescaledb.continuous, timescaledb.materialized_only = false) as
    select meter_id,
           time_bucket(interval '1 hour', interval_start) as bucket_start,
           sum(usage) as usage_sum,
           count(usage) as present_count,
           min(usage) as usage_min,
           max(usage) as usage_max
    from readings
    group by meter_id, time_bucket(interval '1 hour', interval_start)
    with no data`.execute(db);
  // Refreshes catch up with late and corrected data; writers also refresh the range they touched.
  await sql`select add_continuous_aggregate_policy('readings_hourly',
      start_offset => null, end_offset => interval '1 hour', schedule_interval => interval '30 minutes')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop materialized view if exists readings_hourly`.execute(db);
}
