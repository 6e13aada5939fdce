// Query benchmark: each API operation end to end (HTTP → gateway → gRPC → grpc-server → PostgreSQL)
// against its own SQL run directly, on synthetic data, in one run. Prints numbers; asserts no timing.
//
//   pnpm nx bench gateway [-- --meters 100 --years 1 --rows N --reps 15 --keep --cpu-prof DIR]
//
// BENCH_DATABASE_URL names the PostgreSQL maintenance database (default: the local server).
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { BucketWidth, Quantity, ReadingQuality } from '@meterusage/contracts';
import {
  benchAdminUrl,
  integerOption,
  cpuProfileEnv,
  expectEqual,
  formatMs,
  formatRate,
  freePort,
  loadSyntheticReadings,
  measureRounds,
  recreateBenchDatabase,
  redactUrl,
  SAMPLE_CSV_PATH,
  startApp,
  startGrpcServer,
  statsOf,
  stopBenchProcess,
  type Stats,
} from '@meterusage/testing';
import { startOfLocalDate } from '@meterusage/time';
import { clientParses, countDownloadLines, directGrpcClient, getJson } from './clients';
import { measureExportMemory, printExportMemory } from './export-memory';
import { copyReadings, evenUsageBuckets, readingSlots, usageBuckets, usageSummary } from './raw-queries';

const BENCH_DATABASE = 'meterusage_bench';
const QUARTER_HOUR_MS = 900_000;
const EXPORT_READINGS = 1_000_000;
const AMSTERDAM = 'Europe/Amsterdam';
/** Issue #13's aims: a single request end to end within 1.3× its raw SQL, an export at least a third of pg's raw rate. */
const SINGLE_REQUEST_AIM = 1.3;
const EXPORT_AIM = 3;

interface Options {
  meters: number;
  years: number;
  reps: number;
  keep: boolean;
  cpuProfileDir: string | undefined;
}

interface TableRow {
  operation: string;
  raw: string;
  grpc: string;
  e2e: string;
  ratio: string;
  aim: string;
  /** The client's own JSON.parse of the e2e body (part of e2e), and e2e without it against raw. */
  parse: string;
  serviceRatio: string;
}

async function main(): Promise<void> {
  const options = parseOptions();
  const adminUrl = benchAdminUrl();
  const cleanup: (() => Promise<unknown>)[] = []; // run last-in first-out, also after a failure
  try {
    // 1. Database, schema (migrated by grpc-server) and synthetic data.
    const { url: benchUrl, drop } = await recreateBenchDatabase(adminUrl, BENCH_DATABASE);
    if (!options.keep) cleanup.push(drop);
    const processEnv = cpuProfileEnv(options.cpuProfileDir);
    // LOG_LEVEL stays info: startGrpcServer waits for the info lines 'gRPC listening' and 'SERVING'.
    const grpcServer = await startGrpcServer({ DATABASE_URL: benchUrl, CSV_PATH: SAMPLE_CSV_PATH, METER_ID: 'meter-1', LOG_LEVEL: 'info', ...processEnv });
    cleanup.push(() => stopBenchProcess('grpc-server', grpcServer));

    const client = new pg.Client({ connectionString: benchUrl });
    await client.connect();
    cleanup.push(() => client.end());
    const version = (await client.query<{ server_version: string }>('show server_version')).rows[0]!.server_version;
    console.log(
      `meterusage query benchmark: PostgreSQL ${version} (${redactUrl(benchUrl)}), Node ${process.version}, ${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(2)}`,
    );
    console.log(
      `data: ${options.meters} meters × ${options.years} year(s) of 15-minute readings from 2019, plus syn-export with ${EXPORT_READINGS.toLocaleString('en')} readings from 1990`,
    );
    const data = await loadSyntheticReadings(benchUrl, { meters: options.meters, years: options.years, exportReadings: EXPORT_READINGS });
    const size = (await client.query<{ size: string }>(`select pg_size_pretty(pg_total_relation_size('readings')) as size`)).rows[0]!.size;
    console.log(
      `loaded ${data.readings.toLocaleString('en')} readings (${data.missing.toLocaleString('en')} NULL, ${data.holes.toLocaleString('en')} holes) ` +
        `in ${(data.insertMs / 1000).toFixed(1)} s (${formatRate(data.readings / (data.insertMs / 1000))}); ` +
        `VACUUM (ANALYZE) ${(data.analyzeMs / 1000).toFixed(1)} s; readings table with its index: ${size}`,
    );

    // 2. The gateway in front of grpc-server.
    const httpPort = await freePort();
    const grpcTarget = `127.0.0.1:${grpcServer.port}`;
    const gateway = startApp('gateway', { HTTP_PORT: String(httpPort), HTTP_HOST: '127.0.0.1', GRPC_TARGET: grpcTarget, ...processEnv });
    cleanup.push(() => stopBenchProcess('gateway', gateway));
    await gateway.waitForLog((line) => String(line.msg).startsWith('dashboard at'));
    const baseUrl = `http://127.0.0.1:${httpPort}`;
    const grpc = directGrpcClient(grpcTarget);
    cleanup.push(() => Promise.resolve(grpc.close()));

    // 3. Measurements. Memory first, while both processes are fresh.
    const pids = { 'grpc-server': grpcServer.child.pid!, gateway: gateway.child.pid! };
    printExportMemory(await measureExportMemory(baseUrl, data.exportMeter!, pids, [100_000, EXPORT_READINGS]));
    const exportMeter = data.exportMeter!.meterId;

    const rounds = { warmup: 3, reps: options.reps };
    const meters = data.meterIds;
    // Each operation walks the meters from its own offset; raw, gRPC and e2e of a round share a meter.
    const meterOf = (offset: number, round: number) => meters[(offset + round) % meters.length]!;
    const agree = consistencyCheck();
    const table: TableRow[] = [];

    // a. One meter, March 2019: one page of 2,976 quarter-hour slots.
    const march = { startMs: Date.UTC(2019, 2, 1), endMs: Date.UTC(2019, 3, 1) };
    const slots = (march.endMs - march.startMs) / QUARTER_HOUR_MS;
    const month = await measureRounds(
      {
        raw: async (round) => {
          const rows = await readingSlots(client, meterOf(0, round), { firstSlotMs: march.startMs, count: slots, intervalSeconds: 900 });
          expectEqual('raw slots of March', rows.length, slots);
          agree(`month ${round}`, rows.filter((row) => row.stored).length);
        },
        grpc: async (round) => {
          const response = await grpc.listReadings({
            meterId: meterOf(0, round),
            startTime: new Date(march.startMs),
            endTime: new Date(march.endMs),
            pageSize: 10_000,
            pageToken: '',
          });
          expectEqual('gRPC readings of March', response.readings.length, slots);
          agree(`month ${round}`, response.readings.filter((reading) => reading.quality !== Number(ReadingQuality.READING_QUALITY_NOT_RECEIVED)).length);
        },
        e2e: async (round) => {
          const body = await getJson<{ readings: { quality: string }[]; nextPageToken: string }>(
            baseUrl,
            `/api/readings?meter=${meterOf(0, round)}&from=2019-03-01&to=2019-04-01&page_size=10000`,
          );
          expectEqual('HTTP readings of March', body.readings.length, slots);
          expectEqual('nextPageToken of the one page', body.nextPageToken, '');
          agree(`month ${round}`, body.readings.filter((reading) => reading.quality !== 'READING_QUALITY_NOT_RECEIVED').length);
        },
      },
      rounds,
    );
    table.push(timeRow(`a. readings, 1 meter, 1 month (${slots.toLocaleString('en')} slots)`, month, SINGLE_REQUEST_AIM));

    // b. One meter, 2019 by day in Europe/Amsterdam: 365 buckets.
    const localYear = { startMs: startOfLocalDate('2019-01-01', AMSTERDAM)!, endMs: startOfLocalDate('2020-01-01', AMSTERDAM)! };
    const totalPresent = (buckets: { presentCount?: number; present_count?: number }[]) =>
      buckets.reduce((sum, bucket) => sum + (bucket.presentCount ?? bucket.present_count ?? 0), 0);
    const daily = await measureRounds(
      {
        raw: async (round) => {
          const rows = await usageBuckets(client, meterOf(20, round), { ...localYear, timeZone: AMSTERDAM, width: 'day' });
          expectEqual('raw day buckets of 2019', rows.length, 365);
          agree(`daily ${round}`, totalPresent(rows));
        },
        grpc: async (round) => {
          const response = await grpc.aggregateUsage({
            meterId: meterOf(20, round),
            startTime: new Date(localYear.startMs),
            endTime: new Date(localYear.endMs),
            bucketWidth: BucketWidth.BUCKET_WIDTH_DAY,
            timeZone: AMSTERDAM,
            quantity: Quantity.QUANTITY_ENERGY,
          });
          expectEqual('gRPC day buckets of 2019', response.buckets.length, 365);
          agree(`daily ${round}`, totalPresent(response.buckets));
        },
        e2e: async (round) => {
          const body = await getJson<{ buckets: { presentCount: number }[] }>(
            baseUrl,
            `/api/usage?meter=${meterOf(20, round)}&from=2019-01-01&to=2020-01-01&bucket=day&tz=${AMSTERDAM}`,
          );
          expectEqual('HTTP day buckets of 2019', body.buckets.length, 365);
          agree(`daily ${round}`, totalPresent(body.buckets));
        },
      },
      rounds,
    );
    table.push(timeRow('b. usage by day (Amsterdam), 1 meter, 1 year', daily, SINGLE_REQUEST_AIM));

    // c. Summary of one meter for 2019 (UTC).
    const year = { startMs: Date.UTC(2019, 0, 1), endMs: Date.UTC(2020, 0, 1) };
    const summary = await measureRounds(
      {
        raw: async (round) => agree(`summary ${round}`, (await usageSummary(client, meterOf(40, round), year)).present_count),
        grpc: async (round) => {
          const response = await grpc.getUsageSummary({
            meterId: meterOf(40, round),
            startTime: new Date(year.startMs),
            endTime: new Date(year.endMs),
            timeZone: '',
            operatingHours: [],
          });
          agree(`summary ${round}`, response.summary?.presentCount);
        },
        e2e: async (round) => {
          const body = await getJson<{ summary: { presentCount: number } }>(baseUrl, `/api/summary?meter=${meterOf(40, round)}&from=2019-01-01&to=2020-01-01`);
          agree(`summary ${round}`, body.summary.presentCount);
        },
      },
      rounds,
    );
    table.push(timeRow('c. summary, 1 meter, 1 year', summary, SINGLE_REQUEST_AIM));

    // e. One meter, 2019 in 15-minute buckets (UTC): 35,040 buckets, the dashboard's largest view.
    const quarterHourBuckets = (year.endMs - year.startMs) / QUARTER_HOUR_MS;
    const fifteenMinuteRequest = (meterId: string) => ({
      meterId,
      startTime: new Date(year.startMs),
      endTime: new Date(year.endMs),
      bucketWidth: BucketWidth.BUCKET_WIDTH_15_MINUTES,
      timeZone: 'UTC',
      quantity: Quantity.QUANTITY_ENERGY,
    });
    const fifteen = await measureRounds(
      {
        raw: async (round) => {
          const rows = await evenUsageBuckets(client, meterOf(60, round), { ...year, stepMs: QUARTER_HOUR_MS });
          agree(`15m ${round}`, totalPresent(rows));
        },
        grpc: async (round) => {
          const response = await grpc.aggregateUsage(fifteenMinuteRequest(meterOf(60, round)));
          expectEqual('gRPC 15-minute buckets of 2019', response.buckets.length, quarterHourBuckets);
          agree(`15m ${round}`, totalPresent(response.buckets));
        },
        e2e: async (round) => {
          const body = await getJson<{ buckets: { presentCount: number }[] }>(
            baseUrl,
            `/api/usage?meter=${meterOf(60, round)}&from=2019-01-01&to=2020-01-01&bucket=15m&tz=UTC`,
          );
          expectEqual('HTTP 15-minute buckets of 2019', body.buckets.length, quarterHourBuckets);
          agree(`15m ${round}`, totalPresent(body.buckets));
        },
      },
      rounds,
    );
    table.push(timeRow('e. usage by 15 minutes (UTC), 1 meter, 1 year', fifteen, SINGLE_REQUEST_AIM));

    // f. The same as columns (shape=columns), the form the dashboard asks for: 2.2 MB instead of 5.7.
    const fifteenColumns = await measureRounds(
      {
        raw: async (round) => {
          const rows = await evenUsageBuckets(client, meterOf(80, round), { ...year, stepMs: QUARTER_HOUR_MS });
          agree(`15m columns ${round}`, totalPresent(rows));
        },
        grpc: async (round) => {
          const response = await grpc.aggregateUsage(fifteenMinuteRequest(meterOf(80, round)));
          agree(`15m columns ${round}`, totalPresent(response.buckets));
        },
        e2e: async (round) => {
          const body = await getJson<{ columns: { startMs: number[]; presentCount: number[] } }>(
            baseUrl,
            `/api/usage?meter=${meterOf(80, round)}&from=2019-01-01&to=2020-01-01&bucket=15m&tz=UTC&shape=columns`,
          );
          expectEqual('HTTP 15-minute columns of 2019', body.columns.startMs.length, quarterHourBuckets);
          agree(
            `15m columns ${round}`,
            body.columns.presentCount.reduce((sum, count) => sum + count, 0),
          );
        },
      },
      rounds,
    );
    table.push(timeRow('f. the same as columns (shape=columns)', fifteenColumns, SINGLE_REQUEST_AIM));

    // d. Export of the 1M-reading meter, 3 rounds.
    const exports = await measureRounds(
      {
        raw: async () => expectEqual('COPY lines', await copyReadings(client, exportMeter), EXPORT_READINGS),
        grpc: async () =>
          expectEqual('gRPC export readings', await grpc.exportCount({ meterId: exportMeter, startTime: undefined, endTime: undefined }), EXPORT_READINGS),
        e2e: async () =>
          expectEqual('CSV download lines', await countDownloadLines(baseUrl, `/api/export?meter=${exportMeter}&format=csv`), EXPORT_READINGS + 1),
      },
      { warmup: 0, reps: 3 },
    );
    table.push(exportRow(`d. export CSV, ${EXPORT_READINGS.toLocaleString('en')} readings`, exports));

    // 4. The table.
    printTable(table, rounds.reps);
  } finally {
    for (const step of cleanup.reverse()) await step().catch((error: unknown) => console.error(`cleanup: ${(error as Error).message}`));
  }
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      meters: { type: 'string', default: '100' },
      years: { type: 'string', default: '1' },
      rows: { type: 'string' },
      reps: { type: 'string', default: '15' },
      keep: { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
    },
  });
  const positive = (name: string, text: string) => integerOption(name, text);
  const years = positive('years', values.years);
  // --rows N picks the meter count so that meters × years of quarter-hours reach N.
  const readingsPerMeter = (Date.UTC(2019 + years, 0, 1) - Date.UTC(2019, 0, 1)) / QUARTER_HOUR_MS;
  const meters = values.rows === undefined ? positive('meters', values.meters) : Math.ceil(positive('rows', values.rows) / readingsPerMeter);
  return { meters, years, reps: positive('reps', values.reps), keep: values.keep, cpuProfileDir: values['cpu-prof'] };
}

/** Fails the run when two variants of one round disagree on a value computed from the same data. */
function consistencyCheck(): (key: string, value: unknown) => void {
  const seen = new Map<string, unknown>();
  return (key, value) => {
    if (seen.has(key)) expectEqual(`${key}: value of this variant vs the one before`, value, seen.get(key));
    else seen.set(key, value);
  };
}

function timeRow(operation: string, samples: Record<'raw' | 'grpc' | 'e2e', number[]>, aimRatio?: number): TableRow {
  const [raw, grpc, e2e] = [statsOf(samples.raw), statsOf(samples.grpc), statsOf(samples.e2e)];
  const ratio = e2e.median / raw.median;
  const aim = aimRatio === undefined ? '–' : `≤ ${aimRatio}×: ${ratio <= aimRatio ? 'met' : 'NOT met'}`;
  // The measured rounds' parses (the warm-up ones came first), then forget them for the next operation.
  const parses = clientParses.splice(0).slice(-samples.e2e.length);
  const parseMs = statsOf(parses.map(({ ms }) => ms)).median;
  const parse = `${formatMs(statsOf(parses.map(({ ms }) => ms)))}, ${(statsOf(parses.map(({ bytes }) => bytes)).median / 1000).toFixed(0)} kB`;
  const serviceRatio = `${((e2e.median - parseMs) / raw.median).toFixed(1)}×`;
  return { operation, raw: formatMs(raw), grpc: formatMs(grpc), e2e: formatMs(e2e), ratio: `${ratio.toFixed(1)}×`, aim, parse, serviceRatio };
}

function exportRow(operation: string, samples: Record<'raw' | 'grpc' | 'e2e', number[]>): TableRow {
  const rate = (stats: Stats) => EXPORT_READINGS / (stats.median / 1000);
  const [raw, grpc, e2e] = [statsOf(samples.raw), statsOf(samples.grpc), statsOf(samples.e2e)];
  const text = (stats: Stats) => `${formatRate(rate(stats))}, ${(stats.median / 1000).toFixed(2)} s`;
  const ratio = e2e.median / raw.median;
  const aim = `≤ ${EXPORT_AIM}× (≥ 1/${EXPORT_AIM} of raw): ${ratio <= EXPORT_AIM ? 'met' : 'NOT met'}`;
  return { operation, raw: text(raw), grpc: text(grpc), e2e: text(e2e), ratio: `${ratio.toFixed(1)}×`, aim, parse: '– (streamed)', serviceRatio: '–' };
}

function printTable(rows: TableRow[], reps: number): void {
  const header: TableRow = {
    operation: 'operation',
    raw: 'raw median (p90)',
    grpc: 'gRPC only median (p90)',
    e2e: 'e2e median (p90)',
    ratio: 'e2e/raw',
    aim: 'aim',
    parse: "client's JSON.parse (body)",
    serviceRatio: '(e2e − parse)/raw',
  };
  const keys = Object.keys(header) as (keyof TableRow)[];
  const widths = keys.map((key) => Math.max(...[header, ...rows].map((row) => row[key].length)));
  const line = (row: TableRow) => `| ${keys.map((key, index) => row[key].padEnd(widths[index]!)).join(' | ')} |`;
  console.log(`\n${line(header)}\n|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
  console.log(
    `\nraw: the statement grpc-server runs, sent from here with pg, every row fetched; gRPC only: the RPC from a grpc-js client here,\n` +
      `bulk answers read with the gateway's lean readers; e2e: GET through the gateway, body read and parsed (downloads streamed,\n` +
      `lines counted). a–c, e, f: ${reps} rounds after 3 warm-up ones; f's raw is e's statement (grpc-server runs the same query).\n` +
      `d: 3 rounds, rate = readings / median time. Variants alternate within each round on the same meter; meters rotate between rounds.\n` +
      `client's JSON.parse: this process parsing the e2e body, a part of e2e that raw has no counterpart for (pg hands over row objects).`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
