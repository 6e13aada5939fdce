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

  await sql`
    with moved as (
      delete from readings where usage is not null and not (${IN_DOMAIN}) returning meter_id, interval_start, usage
    )
    insert into readings_quarantine (meter_id, interval_start, usage, reason)
    select meter_id, interval_start, usage::text,
           case when usage = 'NaN'::numeric then 'not a number'
                when usage < 0 then 'negative'
                when usage >= 1e12 then 'not below 10^12'
                else 'more than 9 decimal places' end
    from moved`.execute(db);

  await sql`alter table readings add constraint readings_usage_domain check (${IN_DOMAIN})`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table readings drop constraint readings_usage_domain`.execute(db);
  await db.schema.dropTable('readings_quarantine').execute();
}
