import { sql, type Kysely } from 'kysely';

// Frozen once shipped. Every meter gets a data version: a value of one sequence, replaced by the
// next value in the same transaction as every write that changes the meter's readings (see
// ingest-csv.ts). Drawn from a sequence rather than counted per meter, a version is never reused,
// not even by a meter deleted and created again under the same id, so "same meter, same version"
// always means "same readings". Existing meters get distinct values (a volatile default is
// evaluated per row). Same statements on plain PostgreSQL and TimescaleDB: meters is a plain table.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create sequence meter_data_version_seq as bigint`.execute(db);
  await sql`alter table meters add column data_version bigint not null default nextval('meter_data_version_seq')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table meters drop column data_version`.execute(db);
  await sql`drop sequence meter_data_version_seq`.execute(db);
}
