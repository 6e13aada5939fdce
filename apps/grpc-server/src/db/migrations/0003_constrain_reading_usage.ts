import { sql, type Kysely } from 'kysely';

// Frozen once shipped. The usage value domain (src/ingest/usage-value.ts) as a CHECK constraint,
// so no writer can store a value the reads' float8 casts fail on: below 10^12 and at most 9
// decimal places (numeric NaN and ±Infinity fail `usage < 1e12`). Rows stored before that break
// the rule are moved, not lost: to readings_quarantine with the reason, for an operator to fix
// and load again. Both branches (plain PostgreSQL and a TimescaleDB hypertable with compressed
// chunks, where DELETE and a CHECK constraint work since 2.11) run the same statements.

/** The rule, as SQL over a numeric column `usage` (NULL, a missing reading, passes). */
const IN_DOMAIN = sql`usage >= 0 and usage < 1e12 and usage = round(usage, 9)`;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('readings_quarantine')
    .addColumn('meter_id', 'text', (col) => col.notNull())
    .addColumn('interval_start', 'timestamptz', (col) => col.notNull())
    // As text: the value may not even survive a round trip through numeric's output limits.
    .addColumn('usage', 'text', (col) => col.notNull())
    .addColumn('reason', 'text', (col) => col.notNull())
    .addColumn('quarantined_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  // The migration reads every stored row (the search below and the constraint's validation): on a
  // large table that takes longer than DB_STATEMENT_TIMEOUT_MS, which would fail every start.
  await sql`set local statement_timeout = 0`.execute(db);

  // Found first, then deleted one by one by key: on TimescaleDB a DELETE whose condition is on
  // usage would decompress every compressed batch (past the per-transaction decompression limit
  // on any real history), while a key of constants decompresses only the batch holding it. In
  // the usual case nothing is out of the domain and nothing is deleted at all.
  const { rows: outside } = await sql<{ meter_id: string; interval_start: Date; usage: string; reason: string }>`
    select meter_id, interval_start, usage::text as usage,
           case when usage = 'NaN'::numeric then 'not a number'
                when usage < 0 then 'negative'
                when usage >= 1e12 then 'not below 10^12'
                else 'more than 9 decimal places' end as reason
    from readings where usage is not null and not (${IN_DOMAIN})`.execute(db);
  for (const row of outside) {
    await sql`insert into readings_quarantine (meter_id, interval_start, usage, reason)
              values (${row.meter_id}, ${row.interval_start}, ${row.usage}, ${row.reason})`.execute(db);
    await sql`delete from readings where meter_id = ${row.meter_id} and interval_start = ${row.interval_start}`.execute(db);
  }

  await sql`alter table readings add constraint readings_usage_domain check (${IN_DOMAIN})`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table readings drop constraint readings_usage_domain`.execute(db);
  await db.schema.dropTable('readings_quarantine').execute();
}
