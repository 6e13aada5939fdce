import { sql, type Kysely } from 'kysely';

// Frozen once shipped. Provenance of every stored value:
// - readings.upload_id: the upload that wrote the value (NULL: stored before this migration, when
//   no upload was recorded); readings.quality: actual (as received), estimated (received as an
//   estimate, or estimated here) or edited (a correction entered by hand). Both are added without
//   rewriting the table (a NULL column, and a constant default PostgreSQL keeps in the catalogue).
// - readings_not_actual: a partial index of the few estimated and edited intervals, so bucket and
//   summary counts per quality read it instead of every reading, and appends of actual readings
//   (nearly all of them) skip it.
// - readings_history: every version a write replaced or a revert removed, with the upload that
//   wrote it (and when) and the one that replaced it (and when). It is only ever inserted into:
//   a version valid at instant T is the history row with valid_from <= T < replaced_at, or the
//   current reading whose upload committed at or before T.
// - uploads.history_kept: records made before this migration have no history behind them, so
//   they cannot be reverted; uploads_committed_at finds the uploads after an as_of instant.
// On TimescaleDB the history is a hypertable compressed like readings (segmented by meter), so its
// storage follows the readings' own.

export async function up(db: Kysely<any>): Promise<void> {
  const { rows } = await sql<{ installed: boolean }>`select exists (select 1 from pg_extension where extname = 'timescaledb') as installed`.execute(db);
  const timescale = rows[0]?.installed === true;

  await sql`alter table readings add column upload_id bigint`.execute(db);
  await sql`alter table readings add column quality text not null default 'actual'`.execute(db);
  await sql`alter table readings add constraint readings_quality check (quality in ('actual', 'estimated', 'edited'))`.execute(db);
  await sql`create index readings_not_actual on readings (meter_id, interval_start) where quality <> 'actual'`.execute(db);

  await sql`
    create table readings_history (
      meter_id text not null references meters (meter_id) on delete cascade,
      interval_start timestamptz not null,
      usage numeric,
      quality text not null check (quality in ('actual', 'estimated', 'edited')),
      upload_id bigint,
      valid_from timestamptz not null,
      replaced_by bigint not null,
      replaced_at timestamptz not null
    )`.execute(db);
  // The one index: every reader (as_of, the history listing, a revert's plan) names the meter and a
  // range of intervals; a revert looks for its upload among those rows, not through an index of
  // its own (two more indexes made every corrected row cost two more index entries).
  await sql`create index readings_history_interval on readings_history (meter_id, interval_start, replaced_at)`.execute(db);

  await sql`alter table uploads add column history_kept boolean not null default false`.execute(db);
  // as_of reads leave out the uploads committed after the instant: found by this index.
  await sql`create index uploads_committed_at on uploads (committed_at)`.execute(db);
  await sql`alter table uploads alter column history_kept set default true`.execute(db);

  if (timescale) {
    await sql`select create_hypertable('readings_history', 'interval_start', chunk_time_interval => interval '30 days', if_not_exists => true)`.execute(db);
    await sql`alter table readings_history set (timescaledb.compress, timescaledb.compress_segmentby = 'meter_id',
                timescaledb.compress_orderby = 'interval_start, replaced_at')`.execute(db);
    await sql`select add_compression_policy('readings_history', interval '90 days', if_not_exists => true)`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index uploads_committed_at`.execute(db);
  await sql`alter table uploads drop column history_kept`.execute(db);
  await sql`drop table readings_history`.execute(db);
  await sql`drop index readings_not_actual`.execute(db);
  await sql`alter table readings drop constraint readings_quality`.execute(db);
  await sql`alter table readings drop column quality`.execute(db);
  await sql`alter table readings drop column upload_id`.execute(db);
}
