// Ingest benchmark: the ingest CLI streaming a synthetic CSV file to grpc-server (CLI → gRPC →
// CsvRowReader → ReadingValidator → COPY into staging → INSERT … ON CONFLICT) against `psql \copy`
// of the same file in the same run, plus a re-ingest of unchanged rows and the memory of both
// processes for two file sizes. Prints numbers; asserts no timing (exits non-zero only when a
// result is wrong: row counts, report counts, exit codes).
//
//   pnpm nx bench grpc-server [-- --rows 1000000 --reps 3 --warmup 1 --memory-rows N --keep --cpu-prof DIR]
//
// BENCH_DATABASE_URL names the PostgreSQL maintenance database (default: the local server);
// BENCH_PSQL the psql binary (default /usr/bin/psql).
import { rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import {
  benchAdminUrl,
  integerOption,
  cpuProfileEnv,
  expectEqual,
  formatRate,
  measureRounds,
  recreateBenchDatabase,
  redactUrl,
  SAMPLE_CSV_PATH,
  scratchDirectory,
  startGrpcServer,
  statsOf,
  stopBenchProcess,
} from '@meterusage/testing';
import { runIngestCli, type CliRun } from './ingest-cli';
import { BASELINE_TABLE, BASELINE_TABLE_NO_FK, createBaselineTables, expectBaselineRows, psqlCopy, psqlCopyThenMerge } from './psql-baseline';
import { writeSyntheticCsv, type SyntheticCsv } from './synthetic-csv';

const BENCH_DATABASE = 'meterusage_ingest_bench';
const DEFAULT_ROWS = 1_000_000;
/** From this size on one round without warm-up is the default, and memory is compared with a 1M file. */
const LARGE_ROWS = 3_000_000;
/** Issue #15: the append path (no stored reading in the span) at ≥ 0.9× `psql \copy`, re-ingest at ≥ 500k rows/s. */
const COPY_RATIO_AIM = 0.9;
const REINGEST_RATE_AIM = 500_000;
/** The synthetic files' first interval start (their first label is 00:15, labelled by interval end). */
const FIRST_START_MS = Date.UTC(2000, 0, 1);

interface Options {
  rows: number;
  reps: number;
  warmup: number;
  memoryRows: number;
  keep: boolean;
  cpuProfileDir: string | undefined;
}

interface TableRow {
  operation: string;
  rows: string;
  seconds: string;
  rate: string;
  ratio: string;
  aim: string;
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  const options = parseOptions();
  const adminUrl = benchAdminUrl();
  const cleanup: (() => Promise<unknown>)[] = []; // run last-in first-out, also after a failure
  try {
    // 1. The CSV files, the database (migrated and seeded by grpc-server), the baseline tables.
    const scratch = scratchDirectory('meterusage-ingest-bench');
    if (options.keep) console.log(`files kept in ${scratch}`);
    else cleanup.push(() => Promise.resolve(rmSync(scratch, { recursive: true, force: true })));
    const file = writeSyntheticCsv(path.join(scratch, `readings-${options.rows}.csv`), options.rows);
    // The same times with every present value changed: loading it and the file in turn corrects
    // every value each time, so each run writes history for all of them.
    const corrected = writeSyntheticCsv(path.join(scratch, `readings-${options.rows}-corrected.csv`), options.rows, 500);
    const memoryFile = options.memoryRows > 0 ? writeSyntheticCsv(path.join(scratch, `readings-${options.memoryRows}.csv`), options.memoryRows) : undefined;

    const { url: benchUrl, drop } = await recreateBenchDatabase(adminUrl, BENCH_DATABASE);
    if (!options.keep) cleanup.push(drop);
    // LOG_LEVEL stays info: startGrpcServer waits for 'gRPC listening' and 'SERVING', runIngestCli for 'ingest committed'.
    const serverEnv = { DATABASE_URL: benchUrl, CSV_PATH: SAMPLE_CSV_PATH, METER_ID: 'meter-1', LOG_LEVEL: 'info', ...cpuProfileEnv(options.cpuProfileDir) };
    const grpcServer = await startGrpcServer(serverEnv);
    cleanup.push(() => stopBenchProcess('grpc-server', grpcServer));
    const cliTarget = { grpcServer, cpuProfileDir: options.cpuProfileDir };

    const client = new pg.Client({ connectionString: benchUrl });
    await client.connect();
    cleanup.push(() => client.end());
    const settings = await serverSettings(client);
    console.log(
      `meterusage ingest benchmark: PostgreSQL ${settings.server_version} (${redactUrl(benchUrl)}; shared_buffers ${settings.shared_buffers}, ` +
        `synchronous_commit ${settings.synchronous_commit}, max_wal_size ${settings.max_wal_size}), Node ${process.version}, ${cpus().length} CPUs, ` +
        `load average ${loadavg()[0]!.toFixed(2)}`,
    );
    for (const written of [file, memoryFile]) {
      if (written === undefined) continue;
      console.log(
        `file: ${written.rows.toLocaleString('en')} rows (${written.missing.toLocaleString('en')} NaN), ${(written.bytes / 1e6).toFixed(1)} MB, ` +
          `${written.firstTime} … ${written.lastTime}, written in ${(written.writeMs / 1000).toFixed(1)} s`,
      );
    }
    await createBaselineTables(client);

    // 2. Every CLI load goes to a meter that sorts after all others, so each one appends at the
    //    right edge of the primary key's B-tree, as the baseline's load into an empty table does.
    let newMeters = 0;
    const nextNewMeter = () => `z-new-${String((newMeters += 1)).padStart(4, '0')}`;
    const verifyNewMeter = async (run: CliRun, meterId: string, loaded: SyntheticCsv) => {
      expectCounts(`new meter ${meterId}`, run, { accepted: loaded.rows, inserted: loaded.rows, unchanged: 0 });
      await expectStoredReadings(client, meterId, loaded);
      // Settle the table as autovacuum eventually would, so it cannot start during the next run.
      await client.query('vacuum (analyze) readings');
    };

    // The meter that re-ingest runs load again: filled once here, untimed except for memory (the
    // first upload of a fresh grpc-server process).
    const reingestMeter = 'bench-reingest';
    const firstRun = await runIngestCli(cliTarget, file.path, reingestMeter);
    await verifyNewMeter(firstRun, reingestMeter, file);
    // The meter that correction runs load the two versions into, alternately.
    const correctMeter = 'bench-correct';
    await verifyNewMeter(await runIngestCli(cliTarget, file.path, correctMeter), correctMeter, file);
    let correctionsLoaded = 0;

    // 3. Measurements: each variant once per round, rotating order, a CHECKPOINT before each run
    //    (every run starts with the same WAL state and pays for its own full-page writes).
    const checkpoint = () => client.query('checkpoint');
    const truncate = (table: string) => client.query(`truncate ${table}`);
    const runs: Record<'new' | 'reingest' | 'correct', CliRun[]> = { new: [], reingest: [], correct: [] };
    const recordRun = (list: CliRun[], round: number, run: CliRun) => {
      if (round >= options.warmup) list.push(run);
    };
    let lastRun: CliRun | undefined;
    const rounds = { warmup: options.warmup, reps: options.reps };
    const samples = await measureRounds(
      {
        copy: {
          before: () => truncate(BASELINE_TABLE).then(checkpoint),
          run: () => psqlCopy(benchUrl, BASELINE_TABLE, file),
          after: () => expectBaselineRows(client, BASELINE_TABLE, file),
        },
        copyNoFk: {
          before: () => truncate(BASELINE_TABLE_NO_FK).then(checkpoint),
          run: () => psqlCopy(benchUrl, BASELINE_TABLE_NO_FK, file),
          after: () => expectBaselineRows(client, BASELINE_TABLE_NO_FK, file),
        },
        copyMerge: {
          before: () => truncate(BASELINE_TABLE).then(checkpoint),
          run: () => psqlCopyThenMerge(benchUrl, file),
          after: () => expectBaselineRows(client, BASELINE_TABLE, file),
        },
        cliNew: (() => {
          let meterId = '';
          return {
            before: async () => {
              meterId = nextNewMeter();
              await checkpoint();
            },
            run: async () => (lastRun = await runIngestCli(cliTarget, file.path, meterId)),
            after: async (round: number) => {
              recordRun(runs.new, round, lastRun!);
              await verifyNewMeter(lastRun!, meterId, file);
            },
          };
        })(),
        cliReingest: {
          before: checkpoint,
          run: async () => (lastRun = await runIngestCli(cliTarget, file.path, reingestMeter)),
          after: async (round: number) => {
            recordRun(runs.reingest, round, lastRun!);
            expectCounts(`re-ingest into ${reingestMeter}`, lastRun!, { accepted: file.rows, inserted: 0, unchanged: file.rows });
            await expectStoredReadings(client, reingestMeter, file);
          },
        },
        cliCorrect: {
          before: checkpoint,
          run: async () => (lastRun = await runIngestCli(cliTarget, (correctionsLoaded % 2 === 0 ? corrected : file).path, correctMeter)),
          after: async (round: number) => {
            correctionsLoaded += 1;
            recordRun(runs.correct, round, lastRun!);
            const present = file.rows - file.missing;
            expectCounts(`correction of ${correctMeter}`, lastRun!, { accepted: file.rows, inserted: 0, updated: present, unchanged: file.missing });
            await expectStoredReadings(client, correctMeter, file);
            await expectHistoryRows(client, correctMeter, present * correctionsLoaded);
            await client.query('vacuum (analyze) readings, readings_history');
          },
        },
      },
      rounds,
    );

    // 4. Memory: a new-meter load of the other size on a fresh grpc-server of its own, to compare
    //    with the first load above (also the first upload of a fresh process).
    let memoryRun: CliRun | undefined;
    if (memoryFile !== undefined) {
      const freshServer = await startGrpcServer(serverEnv);
      try {
        const meterId = nextNewMeter();
        await checkpoint();
        memoryRun = await runIngestCli({ grpcServer: freshServer, cpuProfileDir: options.cpuProfileDir }, memoryFile.path, meterId);
        await verifyNewMeter(memoryRun, meterId, memoryFile);
      } finally {
        await stopBenchProcess('grpc-server (memory run)', freshServer);
      }
    }

    // 5. The tables.
    const baselineRate = file.rows / (statsOf(samples.copy).median / 1000);
    const reps = options.reps;
    const table: TableRow[] = [
      timeRow('1. psql \\copy → readings-like table (PK, CHECK, FK): BASELINE', file.rows, samples.copy, baselineRate),
      timeRow('   psql \\copy → same table without the FK', file.rows, samples.copyNoFk, baselineRate),
      timeRow('   psql \\copy → temp table, then INSERT … ON CONFLICT', file.rows, samples.copyMerge, baselineRate),
      timeRow(
        '2. CLI → new meter: CLI process wall time',
        file.rows,
        runs.new.map((run) => run.wallMs),
        baselineRate,
        copyAim,
      ),
      timeRow(
        '   same runs: the CLI\'s own "seconds" (no start-up)',
        file.rows,
        runs.new.map((run) => run.report.seconds * 1000),
        baselineRate,
        copyAim,
      ),
      timeRow(
        '   same runs: grpc-server ingestCsv (log "ms")',
        file.rows,
        runs.new.map((run) => run.serverMs),
        baselineRate,
      ),
      timeRow(
        '3. CLI re-ingest, all rows unchanged: wall time',
        file.rows,
        runs.reingest.map((run) => run.wallMs),
        baselineRate,
        rateAim,
      ),
      timeRow(
        '   same runs: the CLI\'s own "seconds"',
        file.rows,
        runs.reingest.map((run) => run.report.seconds * 1000),
        baselineRate,
        rateAim,
      ),
      timeRow(
        '   same runs: grpc-server ingestCsv (log "ms")',
        file.rows,
        runs.reingest.map((run) => run.serverMs),
        baselineRate,
      ),
      timeRow(
        '4. CLI correction, every present value changed (history kept): wall',
        file.rows,
        runs.correct.map((run) => run.wallMs),
        baselineRate,
      ),
      timeRow(
        '   same runs: grpc-server ingestCsv (log "ms")',
        file.rows,
        runs.correct.map((run) => run.serverMs),
        baselineRate,
      ),
    ];
    if (memoryRun !== undefined) {
      const rows = memoryFile!.rows;
      table.push(timeRow(`5. CLI → new meter, ${rows.toLocaleString('en')}-row file, fresh grpc-server: wall`, rows, [memoryRun.wallMs], baselineRate));
      table.push(timeRow('   same run: the CLI\'s own "seconds"', rows, [memoryRun.report.seconds * 1000], baselineRate));
    }
    printTable(table);
    const noFkRate = file.rows / (statsOf(samples.copyNoFk).median / 1000);
    const cliRate = file.rows / (statsOf(runs.new.map((run) => run.wallMs)).median / 1000);
    console.log(`\nCLI new-meter rows/s against \\copy without the FK (COPY alone): ${(cliRate / noFkRate).toFixed(2)}×`);
    console.log(
      `\nruns: ${reps} per row after ${options.warmup} warm-up round(s), variants rotating within each round, CHECKPOINT before each run;\n` +
        `median seconds = median wall time (psql or CLI process from spawn to exit), rows/s = rows / median, ratio = rows/s ÷ the BASELINE's.\n` +
        `BASELINE: psql \\copy of the same file into a table made with LIKE readings INCLUDING ALL plus readings' foreign key to meters,\n` +
        `meter_id from a column default: the same columns, types, CHECK, primary key and per-row FK check as the rows grpc-server writes,\n` +
        `in one transaction, truncated before each run. The row without the FK is what COPY alone costs; the temp table + INSERT …\n` +
        `ON CONFLICT row is grpc-server's SQL shape run by psql. The CLI runs from source (node --require tsx/cjs), so its wall\n` +
        `time includes TypeScript compilation at start; its own "seconds" start when the call opens. Each new-meter run writes a new\n` +
        `meter into readings, which grows by ${file.rows.toLocaleString('en')} rows per run (the baseline tables are emptied instead).`,
    );
    const fresh = [
      { label: `fresh process, new meter, ${file.rows.toLocaleString('en')} rows`, rows: file.rows, runs: [firstRun] },
      ...(memoryRun ? [{ label: `fresh process, new meter, ${memoryFile!.rows.toLocaleString('en')} rows`, rows: memoryFile!.rows, runs: [memoryRun] }] : []),
    ].sort((a, b) => a.rows - b.rows);
    printMemory([
      ...fresh,
      { label: `timed runs, new meter, ${file.rows.toLocaleString('en')} rows`, rows: file.rows, runs: runs.new },
      { label: `timed runs, re-ingest, ${file.rows.toLocaleString('en')} rows`, rows: file.rows, runs: runs.reingest },
    ]);
    console.log(`\nbenchmark took ${((performance.now() - startedAt) / 1000).toFixed(0)} s`);
  } finally {
    for (const step of cleanup.reverse()) await step().catch((error: unknown) => console.error(`cleanup: ${(error as Error).message}`));
  }
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: String(DEFAULT_ROWS) },
      reps: { type: 'string' },
      warmup: { type: 'string' },
      'memory-rows': { type: 'string' },
      keep: { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
    },
  });
  const integer = integerOption;
  const rows = integer('rows', values.rows, 1);
  const large = rows >= LARGE_ROWS;
  return {
    rows,
    // 10M rows: one round, no warm-up (the untimed first load of the re-ingest meter warms up).
    reps: integer('reps', values.reps ?? (large ? '1' : '3'), 1),
    warmup: integer('warmup', values.warmup ?? (large ? '0' : '1'), 0),
    // Memory is compared between the main file and one of another size: 3M next to 1M, 1M next to 10M.
    memoryRows: integer('memory-rows', values['memory-rows'] ?? String(large ? DEFAULT_ROWS : LARGE_ROWS), 0),
    keep: values.keep,
    cpuProfileDir: values['cpu-prof'],
  };
}

async function serverSettings(client: pg.Client) {
  const { rows } = await client.query<{ name: string; value: string }>(
    `select name, current_setting(name) as value from unnest(array['server_version', 'shared_buffers', 'synchronous_commit', 'max_wal_size']) as name`,
  );
  return Object.fromEntries(rows.map((row) => [row.name, row.value])) as Record<
    'server_version' | 'shared_buffers' | 'synchronous_commit' | 'max_wal_size',
    string
  >;
}

/** Fails the run unless the CLI's report counts are the expected ones (and nothing was rejected). */
function expectCounts(what: string, run: CliRun, expected: { accepted: number; inserted: number; updated?: number; unchanged: number }): void {
  const { report } = run;
  expectEqual(`${what}: committed`, report.committed, true);
  expectEqual(`${what}: rejected`, report.rejected, 0);
  expectEqual(`${what}: accepted`, report.accepted, expected.accepted);
  expectEqual(`${what}: inserted`, report.inserted, expected.inserted);
  expectEqual(`${what}: updated`, report.updated, expected.updated ?? 0);
  expectEqual(`${what}: unchanged`, report.unchanged, expected.unchanged);
}

/** Fails the run unless the meter's history holds exactly `expected` replaced versions. */
async function expectHistoryRows(client: pg.Client, meterId: string, expected: number): Promise<void> {
  const { rows } = await client.query<{ count: number }>(`select count(*)::int as count from readings_history where meter_id = $1`, [meterId]);
  expectEqual(`history rows of ${meterId}`, rows[0]!.count, expected);
}

/** Fails the run unless readings holds exactly the file's rows for the meter, from its first interval on. */
async function expectStoredReadings(client: pg.Client, meterId: string, file: SyntheticCsv): Promise<void> {
  const { rows } = await client.query<{ total: number; present: number; first_ms: number }>(
    `select count(*)::int as total, count(usage)::int as present, (extract(epoch from min(interval_start)) * 1000)::float8 as first_ms
     from readings where meter_id = $1`,
    [meterId],
  );
  expectEqual(`readings of ${meterId}`, rows[0]!.total, file.rows);
  expectEqual(`non-NULL readings of ${meterId}`, rows[0]!.present, file.rows - file.missing);
  expectEqual(`first interval start of ${meterId}`, rows[0]!.first_ms, FIRST_START_MS);
}

type Aim = (rowsPerSecond: number, baselineRowsPerSecond: number) => string;
const copyAim: Aim = (rate, baseline) => `≥ ${COPY_RATIO_AIM}× \\copy: ${rate / baseline >= COPY_RATIO_AIM ? 'met' : 'NOT met'}`;
const rateAim: Aim = (rate) => `≥ ${formatRate(REINGEST_RATE_AIM)}: ${rate >= REINGEST_RATE_AIM ? 'met' : 'NOT met'}`;

function timeRow(operation: string, rows: number, samplesMs: number[], baselineRate: number, aim?: Aim): TableRow {
  const stats = statsOf(samplesMs);
  const rate = rows / (stats.median / 1000);
  const spread =
    stats.samples > 1 ? ` (${(Math.min(...samplesMs) / 1000).toFixed(2)}–${(Math.max(...samplesMs) / 1000).toFixed(2)}, n=${stats.samples})` : ' (n=1)';
  return {
    operation,
    rows: rows.toLocaleString('en'),
    seconds: `${(stats.median / 1000).toFixed(2)}${spread}`,
    rate: formatRate(rate),
    ratio: `${(rate / baselineRate).toFixed(2)}×`,
    aim: aim === undefined ? '–' : aim(rate, baselineRate),
  };
}

function printTable(rows: TableRow[]): void {
  const header: TableRow = {
    operation: 'operation',
    rows: 'rows',
    seconds: 'median seconds (min–max, n)',
    rate: 'rows/s',
    ratio: 'ratio vs \\copy',
    aim: 'aim',
  };
  const keys = Object.keys(header) as (keyof TableRow)[];
  const widths = keys.map((key) => Math.max(...[header, ...rows].map((row) => row[key].length)));
  const line = (row: TableRow) => `| ${keys.map((key, index) => row[key].padEnd(widths[index]!)).join(' | ')} |`;
  console.log(`\n${line(header)}\n|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

function printMemory(groups: { label: string; rows: number; runs: CliRun[] }[]): void {
  const mb = (value: number) => (Number.isFinite(value) ? value.toFixed(0) : '–');
  const highest = (values: number[]) => Math.max(...values);
  console.log('\nmemory in MB (/proc/<pid>/status; for the timed runs, the highest over the runs):');
  const header = ['run', 'grpc-server RSS before', 'grpc-server RSS lows by quarter of the run', 'grpc-server VmHWM', 'CLI VmHWM'];
  const lines = groups
    .filter((group) => group.runs.length > 0)
    .map(({ label, runs }) => {
      const worst = runs.reduce((a, b) => (b.server.lateLowMb > a.server.lateLowMb ? b : a));
      return [
        label,
        mb(highest(runs.map((run) => run.server.rssBeforeMb))),
        worst.server.quarterLowsMb.map(mb).join(' → '),
        mb(highest(runs.map((run) => run.server.peakMb))),
        mb(highest(runs.map((run) => run.cli.peakMb))),
      ];
    });
  const widths = header.map((title, index) => Math.max(title.length, ...lines.map((cells) => cells[index]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, index) => cell.padEnd(widths[index]!)).join(' | ')} |`;
  console.log(`${line(header)}\n|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const cells of lines) console.log(line(cells));
  const sinceStart = groups.some((group) => group.runs.some((run) => run.server.peakIsSinceStart));
  console.log(
    (sinceStart
      ? 'grpc-server VmHWM could not be reset (/proc/<pid>/clear_refs refused): it is the peak since the server started.\n'
      : "grpc-server VmHWM was reset before each run (/proc/<pid>/clear_refs), so it is that run's peak; CLI VmHWM is its last read before exit.\n") +
      'RSS lows by quarter: the lowest RSS sampled (every 20 ms) in each quarter of the run, i.e. what the process falls back to after\n' +
      'its garbage collections. Parsing happens in about the first third of a run (the rest is the merge in PostgreSQL). Memory that\n' +
      'climbs from quarter to quarter, and more for the larger file, is held per row or per chunk; flat lows mean it is not. VmHWM\n' +
      'also holds GC headroom, which grows with the allocation rate rather than the file.',
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
