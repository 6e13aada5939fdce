import { sql, type Kysely } from 'kysely';

// Frozen once shipped. The record of every committed upload: who sent what, when, with which
// options, the SHA-256 of its bytes, the meters it touched and its report, written in the
// upload's own transaction (no record without its readings, no readings without their record).
// Ids come from an identity, so later uploads have greater ids (the listing's order and cursor).
// meter_ids is searched with a GIN index (uploads of one meter). A plain table on TimescaleDB too.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table uploads (
      upload_id bigint generated always as identity primary key,
      received_at timestamptz not null,
      committed_at timestamptz not null default clock_timestamp(),
      source text not null,
      caller text not null,
      file_name text not null default '',
      sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
      options jsonb not null,
      meter_ids text[] not null,
      report jsonb not null
    )`.execute(db);
  await sql`create index uploads_meter_ids on uploads using gin (meter_ids)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table uploads`.execute(db);
}
