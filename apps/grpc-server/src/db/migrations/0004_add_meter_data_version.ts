import { sql, type Kysely } from 'kysely';

// Frozen once shipped. Every meter gets a data version, replaced in the same transaction as every
// write that changes the meter's readings (see ingest-csv.ts). A version is the time of the write
// in microseconds (or one more than the meter's last, should the clock stand still or step back),
// so it is never reused: not by a meter deleted and created again under the same id, and not after
// the database is restored from a backup (the restored versions are older than any issued since
// the backup was taken, and new writes take the clock's time, later than all of them). The same
// statement on plain PostgreSQL and TimescaleDB: meters is a plain table.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table meters add column data_version bigint not null default (extract(epoch from clock_timestamp()) * 1000000)::bigint`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table meters drop column data_version`.execute(db);
}
