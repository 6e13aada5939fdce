import { sql, type Kysely } from 'kysely';
import { isTimescaleAvailable } from '../timescale';

// Frozen once shipped: later schema changes go in new migrations. The meter id pattern and the
// column defaults (kWh, 900 s, end) are copies of @meterusage/meters' METER_ID_PATTERN and
// METER_DEFAULTS written out on purpose: importing them would let a change there rewrite what
// this migration creates on new databases only.

export async function up(db: Kysely<any>): Promise<void> {
  const timescale = await isTimescaleAvailable(db);
  if (timescale) await sql`create extension if not exists timescaledb`.execute(db);

  await db.schema
    .createTable('meters')
    .addColumn('meter_id', 'text', (col) => col.primaryKey().check(sql`meter_id ~ '^[A-Za-z0-9._:-]{1,64}$'`))
    .addColumn('unit', 'text', (col) =>
      col
        .notNull()
        .defaultTo('kWh')
        .check(sql`length(unit) between 1 and 16`),
    )
    .addColumn('interval_seconds', 'integer', (col) =>
      col
        .notNull()
        .defaultTo(900)
        .check(sql`interval_seconds > 0`),
    )
    .addColumn('time_label', 'text', (col) =>
      col
        .notNull()
        .defaultTo('end')
        .check(sql`time_label in ('start', 'end')`),
    )
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  // One row per meter and interval; the primary key serves every per-meter range query.
  await db.schema
    .createTable('readings')
    .addColumn('meter_id', 'text', (col) => col.notNull().references('meters.meter_id').onDelete('cascade'))
    .addColumn('interval_start', 'timestamptz', (col) => col.notNull())
    // numeric keeps the source's decimals exact through sums; NULL marks a missing reading.
    .addColumn('usage', 'numeric', (col) => col.check(sql`usage >= 0`))
    .addPrimaryKeyConstraint('readings_pkey', ['meter_id', 'interval_start'])
    .execute();

  if (timescale) {
    await sql`select create_hypertable('readings', 'interval_start', chunk_time_interval => interval '30 days', if_not_exists => true)`.execute(db);
    await sql`alter table readings set (timescaledb.compress, timescaledb.compress_segmentby = 'meter_id', timescaledb.compress_orderby = 'interval_start')`.execute(
      db,
    );
    await sql`select add_compression_policy('readings', interval '90 days', if_not_exists => true)`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('readings').execute();
  await db.schema.dropTable('meters').execute();
}
