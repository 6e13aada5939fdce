// The baselines: the same CSV file loaded by `psql \copy`, PostgreSQL's own client, into tables
// built like `readings`. psql parses the CSV in C and streams it with COPY; PostgreSQL parses the
// times and numbers and checks every constraint, as it does for grpc-server's rows.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type pg from 'pg';
import { expectEqual } from '@meterusage/testing';
import type { SyntheticCsv } from './synthetic-csv';

const run = promisify(execFile);
const PSQL = process.env.BENCH_PSQL ?? '/usr/bin/psql';

export const BASELINE_METER = 'bench-baseline';
/** Same columns, CHECK, primary key and foreign key to meters as readings. */
export const BASELINE_TABLE = 'readings_copy_baseline';
/** The same without the foreign key: what COPY alone costs. */
export const BASELINE_TABLE_NO_FK = 'readings_copy_baseline_no_fk';

/**
 * Creates the baseline tables from readings' own definition (LIKE … INCLUDING ALL copies the
 * columns, CHECK and primary key; the foreign key is copied from the catalog), with the baseline
 * meter as meter_id's default, since the file has no meter column. Autovacuum is off on them, so
 * it cannot start in the middle of another variant's run; they are truncated before each run.
 */
export async function createBaselineTables(client: pg.Client): Promise<void> {
  await client.query(`insert into meters (meter_id) values ($1) on conflict do nothing`, [BASELINE_METER]);
  const { rows } = await client.query<{ definition: string }>(
    `select pg_get_constraintdef(oid) as definition from pg_constraint where conrelid = 'readings'::regclass and contype = 'f'`,
  );
  for (const table of [BASELINE_TABLE, BASELINE_TABLE_NO_FK]) {
    await client.query(`drop table if exists ${table}`);
    await client.query(`create table ${table} (like readings including all) with (autovacuum_enabled = false)`);
    await client.query(`alter table ${table} alter column meter_id set default ${client.escapeLiteral(BASELINE_METER)}`);
  }
  for (const { definition } of rows) await client.query(`alter table ${BASELINE_TABLE} add ${definition}`);
}

// CSV as the file is written: header line, NaN = missing. Naive times are read in UTC (PGOPTIONS).
const COPY_OPTIONS = `with (format csv, header true, null 'NaN')`;

/** `\copy` of the file straight into a baseline table (one statement, one transaction). */
export async function psqlCopy(databaseUrl: string, table: string, file: SyntheticCsv): Promise<void> {
  await psql(databaseUrl, [`\\copy ${table} (interval_start, usage) from '${file.path}' ${COPY_OPTIONS}`]);
}

/**
 * The server's SQL shape done by psql: `\copy` into a temporary table, then one INSERT … SELECT …
 * ORDER BY … ON CONFLICT DO UPDATE … WHERE distinct into the table with the foreign key, in one
 * transaction (psql -1).
 */
export async function psqlCopyThenMerge(databaseUrl: string, file: SyntheticCsv): Promise<void> {
  await psql(
    databaseUrl,
    [
      `create temporary table copy_staging (interval_start timestamptz, usage numeric) on commit drop`,
      `\\copy copy_staging from '${file.path}' ${COPY_OPTIONS}`,
      `insert into ${BASELINE_TABLE} (meter_id, interval_start, usage)
       select '${BASELINE_METER}', interval_start, usage from copy_staging order by interval_start
       on conflict (meter_id, interval_start) do update set usage = excluded.usage
       where ${BASELINE_TABLE}.usage is distinct from excluded.usage`,
    ],
    true,
  );
}

/** Fails the run unless `table` holds exactly the file's rows, NaN ones as NULL. */
export async function expectBaselineRows(client: pg.Client, table: string, file: SyntheticCsv): Promise<void> {
  const { rows } = await client.query<{ total: number; present: number }>(`select count(*)::int as total, count(usage)::int as present from ${table}`);
  expectEqual(`rows in ${table}`, rows[0]!.total, file.rows);
  expectEqual(`non-NULL usage in ${table}`, rows[0]!.present, file.rows - file.missing);
}

async function psql(databaseUrl: string, commands: string[], singleTransaction = false): Promise<void> {
  const args = [
    '-X',
    '-q',
    '-v',
    'ON_ERROR_STOP=1',
    ...(singleTransaction ? ['-1'] : []),
    '-d',
    databaseUrl,
    ...commands.flatMap((command) => ['-c', command]),
  ];
  try {
    await run(PSQL, args, { env: { ...process.env, PGOPTIONS: '-c timezone=UTC' }, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`functional failure: psql failed: ${stderr?.trim() || (error as Error).message}`, { cause: error });
  }
}
