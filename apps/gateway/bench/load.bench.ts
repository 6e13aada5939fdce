// Load benchmark: a mix of API requests from N concurrent connections for a fixed time against
// real processes (grpc-server on its own database with synthetic data, the gateway in front).
// Reports req/s and p50/p99/max per route, every unexpected status or transport error, and the
// RSS of both processes sampled every second ("flat": last 10 s vs first 10 s). Baselines from the
// same run: /healthz alone (the HTTP floor of gateway and client), and the main query alone,
// through the gateway and as raw SQL at the same concurrency. Exits 1 on any unexpected answer.
//
// Then the upload scenario: the mix again while the largest admitted upload (a file naming
// MAX_NEW_METERS_PER_UPLOAD new meters) is sent --uploads times, with GET /api/meters and /readyz
// probed during and between uploads (target: p99 < 1 s during uploads; --uploads 0 skips it).
//
//   pnpm nx run gateway:load [-- --duration 60 --connections 50 --meters 10 --years 1 --warmup 30 --baseline 10 --seed 1 --uploads 10 --new-meters 1000 --upload-connections 10 --cpu-prof DIR]
//
// With --overload N it runs only the overload scenario instead (load-overload.ts): N connections
// on one heavy route (--overload-route usage-15m: a year of one meter in 15-minute buckets;
// summary: the summary of one meter over all --years) for --duration s, with /healthz and /readyz probed;
// --pool, --pool-wait and --pool-queue set grpc-server's DB_POOL_MAX_CONN, DB_POOL_WAIT_MS and
// DB_POOL_QUEUE_MAX (default: the pool of 10 of this bench, its wait and queue defaults);
// --honour-retry-after makes each connection wait Retry-After after a busy answer. The gateway
// runs without its answer cache there (the heavy query itself is measured), and with its default
// cache in the mix; --answer-cache-bytes N sets ANSWER_CACHE_MAX_BYTES for either.
//
//   pnpm nx run gateway:load -- --overload 200 --duration 60 [--overload-route usage-15m --pool 10 --pool-wait 1000 --pool-queue 100]
//
// BENCH_DATABASE_URL names the PostgreSQL maintenance database (default: the local server).
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import {
  benchAdminUrl,
  cpuProfileEnv,
  counterTotal,
  prometheusPortOf,
  integerOption,
  freePort,
  loadSyntheticReadings,
  machineCpuSeconds,
  processCpuSeconds,
  processMemoryMb,
  recreateBenchDatabase,
  redactUrl,
  SAMPLE_CSV_PATH,
  startApp,
  startGrpcServer,
  statsOf,
  stopBenchProcess,
  type AppProcess,
} from '@meterusage/testing';
import { mainQueryBaselines } from './load-baselines';
import { HttpClient, Recorder, reportOf, runClosedLoop, type Operation, type RouteReport } from './load-driver';
import { queryMix, seededRandom, weightedPicker } from './load-mix';
import { busyRoute, overloadVerdict, runOverloadScenario } from './load-overload';
import { readStalls, resetStallWindow, stallVerdict, startIdleCanary, STALL_TARGET_MS, type StallSource } from './event-loop-stalls';
import { runLargestAlone, type AloneReport } from './load-largest-alone';
import { probeRoute, runUploadScenario, UPLOAD_ROUTE } from './load-upload';

const LOAD_DATABASE = 'meterusage_load';
const START_YEAR = 2019;
/** grpc-server's database pool, set explicitly so the raw-SQL baseline can use as many connections. */
const DB_POOL_MAX_CONN = 10;
const REQUEST_TIMEOUT_MS = 30_000;
/** Seconds at each end of the run whose RSS medians are compared. */
const RSS_WINDOW_S = 10;
/** Last-window over first-window RSS median above which memory is reported as growing. */
const RSS_FLAT_LIMIT = 1.1;

interface Options {
  durationS: number;
  connections: number;
  meters: number;
  years: number;
  warmupS: number;
  baselineS: number;
  seed: number;
  keep: boolean;
  uploads: number;
  newMeters: number;
  uploadConnections: number;
  /** Connections of the overload scenario; 0 runs the mix instead. */
  overload: number;
  overloadRoute: 'usage-15m' | 'summary';
  pool: number;
  poolWaitMs: number | undefined;
  poolQueueMax: number | undefined;
  honourRetryAfter: boolean;
  /** The gateway's ANSWER_CACHE_MAX_BYTES; undefined = its default. */
  answerCacheBytes: number | undefined;
  /** Where both apps write a CPU profile when they stop (--cpu-prof DIR). */
  cpuProfileDir: string | undefined;
}

/** The gateway's deadline for unary calls (its GRPC_DEADLINE_MS default): no answer may take longer. */
const GATEWAY_DEADLINE_MS = 10_000;

interface Watched {
  name: 'grpc-server' | 'gateway';
  app: AppProcess;
  rssMb: number[];
  errorLogs: number;
  errorExamples: string[];
}

async function main(): Promise<number> {
  const options = parseOptions();
  const adminUrl = benchAdminUrl();
  const cleanup: (() => Promise<unknown>)[] = []; // last-in first-out, also after a failure
  try {
    const { url: databaseUrl, drop } = await recreateBenchDatabase(adminUrl, LOAD_DATABASE);
    if (!options.keep) cleanup.push(drop);
    // LOG_LEVEL info (the default): startGrpcServer and the gateway start wait for info lines,
    // and production logs every request at info, so the load includes that cost.
    const grpcServer = await startGrpcServer({
      DATABASE_URL: databaseUrl,
      CSV_PATH: SAMPLE_CSV_PATH,
      METER_ID: 'meter-1',
      DB_POOL_MAX_CONN: String(options.pool),
      ...(options.poolWaitMs === undefined ? {} : { DB_POOL_WAIT_MS: String(options.poolWaitMs) }),
      ...(options.poolQueueMax === undefined ? {} : { DB_POOL_QUEUE_MAX: String(options.poolQueueMax) }),
      ...(options.pool < 7 ? { MAX_CONCURRENT_EXPORTS: '1', MAX_CONCURRENT_UPLOADS: '1' } : {}),
      MAX_NEW_METERS_PER_UPLOAD: String(options.newMeters),
      ...cpuProfileEnv(options.cpuProfileDir),
    });
    const metricsPort = prometheusPortOf(grpcServer);
    cleanup.push(() => stopBenchProcess('grpc-server', grpcServer));
    const data = await loadSyntheticReadings(databaseUrl, { meters: options.meters, years: options.years, startYear: START_YEAR });

    const httpPort = await freePort();
    const gateway = startApp('gateway', {
      HTTP_PORT: String(httpPort),
      HTTP_HOST: '127.0.0.1',
      GRPC_TARGET: `127.0.0.1:${grpcServer.port}`,
      ...(options.answerCacheBytes === undefined ? {} : { ANSWER_CACHE_MAX_BYTES: String(options.answerCacheBytes) }),
      ...cpuProfileEnv(options.cpuProfileDir),
    });
    cleanup.push(() => stopBenchProcess('gateway', gateway));
    await gateway.waitForLog((line) => String(line.msg).startsWith('dashboard at'));
    const baseUrl = new URL(`http://127.0.0.1:${httpPort}`);

    console.log(
      `meterusage load benchmark: Node ${process.version}, ${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(2)}; ` +
        `database ${redactUrl(databaseUrl)}, grpc-server pool ${options.pool} connections` +
        `${options.poolWaitMs === undefined ? '' : `, DB_POOL_WAIT_MS ${options.poolWaitMs}`}${options.poolQueueMax === undefined ? '' : `, DB_POOL_QUEUE_MAX ${options.poolQueueMax}`}`,
    );
    console.log(
      `data: ${data.readings.toLocaleString('en')} readings of ${options.meters} meters × ${options.years} year(s) from ${START_YEAR} (${data.missing} NULL, ${data.holes} holes) ` +
        `+ the sample meter; loaded in ${((data.insertMs + data.analyzeMs) / 1000).toFixed(1)} s`,
    );
    const stallSources: StallSource[] = [
      ...(metricsPort === undefined ? [] : [{ name: 'grpc-server', port: metricsPort, prefix: 'grpc_server_' }]),
      { name: 'gateway', port: httpPort, prefix: 'gateway_' },
    ];
    if (options.overload > 0) return await overloadRun(baseUrl, data.meterIds, metricsPort, stallSources, options);
    console.log(
      `load: ${options.connections} connections (closed loop: each sends its next request when answered), ${options.warmupS} s warm-up, then ${options.durationS} s measured; seed ${options.seed}`,
    );

    const watched: Watched[] = [
      { name: 'grpc-server', app: grpcServer, rssMb: [], errorLogs: 0, errorExamples: [] },
      { name: 'gateway', app: gateway, rssMb: [], errorLogs: 0, errorExamples: [] },
    ];
    const logTrimmer = setInterval(() => watched.forEach(drainLogs), 1000);
    cleanup.push(() => Promise.resolve(clearInterval(logTrimmer)));

    const client = new HttpClient(baseUrl, options.connections, REQUEST_TIMEOUT_MS);
    cleanup.push(() => Promise.resolve(client.close()));
    const random = seededRandom(options.seed);
    const mix = queryMix(client, { meterIds: data.meterIds, startYear: START_YEAR, years: options.years }, random);
    const pick = weightedPicker(mix, random);

    // 1. Warm-up (JIT, connection pools, PostgreSQL's buffer cache): run, checked, not reported.
    const warmup = reportOf(await runClosedLoop({ workers: options.connections, seconds: options.warmupS, pick }), options.warmupS);
    const warmupProblems = warmup.routes.filter((route) => route.problems.size > 0).map((route) => `${route.route}: ${describeProblems(route.problems)}`);
    console.log(`warm-up: ${warmup.total.latency.count} requests, unexpected: ${warmupProblems.length === 0 ? 'none' : warmupProblems.join('; ')}`);

    // 2. The measured run, RSS and CPU sampled.
    const cpuBefore = watched.map(({ app }) => processCpuSeconds(app.child.pid!));
    const clientCpuBefore = process.cpuUsage();
    const machineBefore = machineCpuSeconds();
    const backendsBefore = await backendCpuSeconds(databaseUrl);
    const sampler = setInterval(() => watched.forEach((entry) => entry.rssMb.push(processMemoryMb(entry.app.child.pid!).rss)), 1000);
    watched.forEach((entry) => entry.rssMb.push(processMemoryMb(entry.app.child.pid!).rss));
    const canary = startIdleCanary();
    cleanup.push(() => Promise.resolve(canary.stop()));
    await Promise.all([resetStallWindow(stallSources), canary.read()]);
    const startedAt = performance.now();
    const recorder = await runClosedLoop({ workers: options.connections, seconds: options.durationS, pick });
    const elapsedS = (performance.now() - startedAt) / 1000;
    const stalls = stallVerdict(await readStalls(stallSources), await canary.read());
    clearInterval(sampler);
    const cpuS = watched.map(({ app }, index) => processCpuSeconds(app.child.pid!) - cpuBefore[index]!);
    const clientCpu = process.cpuUsage(clientCpuBefore);
    const machineAfter = machineCpuSeconds();
    const backendsS = [...(await backendCpuSeconds(databaseUrl))].reduce((sum, [pid, seconds]) => sum + seconds - (backendsBefore.get(pid) ?? 0), 0);
    const run = reportOf(recorder, elapsedS);
    printRoutes(`${options.durationS} s × ${options.connections} connections (measured ${elapsedS.toFixed(1)} s)`, [...run.routes, run.total]);
    const machineBusyS = machineAfter.busy - machineBefore.busy;
    const oursS = cpuS[0]! + cpuS[1]! + backendsS + (clientCpu.user + clientCpu.system) / 1e6;
    console.log(
      `CPU over the run: grpc-server ${percentOfOneCore(cpuS[0]!, elapsedS)}, gateway ${percentOfOneCore(cpuS[1]!, elapsedS)}, ` +
        `PostgreSQL backends of the load database ${percentOfOneCore(backendsS, elapsedS)}, this load client ${percentOfOneCore((clientCpu.user + clientCpu.system) / 1e6, elapsedS)}; ` +
        `the machine was ${Math.round((100 * machineBusyS) / (machineAfter.total - machineBefore.total))} % busy over its ${cpus().length} cores, ` +
        `${percentOfOneCore(Math.max(0, machineBusyS - oursS), elapsedS)} of it other work`,
    );
    console.log(stalls.text);
    printMemory(watched);

    // 3. Baselines in the same run.
    const baselines = await mainQueryBaselines({
      client,
      databaseUrl,
      connections: options.connections,
      seconds: options.baselineS,
      data,
      poolSize: options.pool,
      random,
    });
    printBaselines(baselines, run.total, options);

    // 3a. The largest admitted requests one at a time: what one request can stall a loop for.
    const alone = await runLargestAlone({ client, meterIds: data.meterIds, startYear: START_YEAR, stallSources, readFloor: () => canary.read() });
    printAlone(alone);

    // 3b. The largest admitted upload while the mix runs (after the baselines: it adds meters).
    const uploadRun = options.uploads > 0 ? await uploadScenario(baseUrl, pick, options) : undefined;

    // 4. Verdict: every answer as expected, both processes alive, nothing logged at error level.
    drainLogs(watched[0]!);
    drainLogs(watched[1]!);
    const problems = [warmup.total, run.total, ...baselines, ...alone.map(({ report }) => report), ...(uploadRun ? [uploadRun] : [])].reduce(
      (sum, report) => sum + countOf(report.problems),
      0,
    );
    const dead = watched.filter(({ app }) => app.child.exitCode !== null || app.child.signalCode !== null).map(({ name }) => name);
    for (const entry of watched) {
      if (entry.errorLogs > 0) console.log(`${entry.name} logged ${entry.errorLogs} error line(s), e.g.:\n  ${entry.errorExamples.join('\n  ')}`);
    }
    const errorLogs = watched.reduce((sum, entry) => sum + entry.errorLogs, 0);
    const failed = problems > 0 || dead.length > 0 || errorLogs > 0;
    console.log(
      `\nresult: ${failed ? 'FAILED' : 'ok'}: ${problems} unexpected answer(s) or error(s) (warm-up ${countOf(warmup.total.problems)}), ` +
        `${errorLogs} error log line(s)${dead.length > 0 ? `, exited during the run: ${dead.join(', ')}` : ''}`,
    );
    return failed ? 1 : 0;
  } finally {
    for (const step of cleanup.reverse()) await step().catch((error: unknown) => console.error(`cleanup: ${(error as Error).message}`));
  }
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '60' },
      connections: { type: 'string', default: '50' },
      meters: { type: 'string', default: '10' },
      years: { type: 'string', default: '1' },
      // grpc-server's heap grows for its first ~40 s under this load, then holds (a 240 s run stayed
      // within 188–205 MB after it): a 30 s warm-up lets "RSS flat" judge the steady state.
      warmup: { type: 'string', default: '30' },
      baseline: { type: 'string', default: '10' },
      seed: { type: 'string', default: '1' },
      keep: { type: 'boolean', default: false },
      uploads: { type: 'string', default: '10' },
      // MAX_NEW_METERS_PER_UPLOAD of the run's grpc-server, and the new meters of each upload.
      'new-meters': { type: 'string', default: '1000' },
      // The mix's connections during the upload scenario: a steady load, not the saturation of the
      // main run (whose own p99 is near 1 s on 2 cores), so the probes show what the uploads add.
      'upload-connections': { type: 'string', default: '10' },
      overload: { type: 'string', default: '0' },
      'overload-route': { type: 'string', default: 'usage-15m' },
      pool: { type: 'string', default: String(DB_POOL_MAX_CONN) },
      'pool-wait': { type: 'string' },
      'pool-queue': { type: 'string' },
      'honour-retry-after': { type: 'boolean', default: false },
      // The overload scenario measures the heavy query itself: its few URLs would all be answered
      // from the gateway's answer cache after the first round, so it runs without one unless told.
      'answer-cache-bytes': { type: 'string' },
      'cpu-prof': { type: 'string' },
    },
  });
  const positive = (name: string, text: string) => integerOption(name, text);
  return {
    durationS: positive('duration', values.duration),
    connections: positive('connections', values.connections),
    meters: positive('meters', values.meters),
    years: positive('years', values.years),
    warmupS: positive('warmup', values.warmup),
    baselineS: positive('baseline', values.baseline),
    seed: positive('seed', values.seed),
    keep: values.keep,
    uploads: values.uploads === '0' ? 0 : positive('uploads', values.uploads),
    newMeters: positive('new-meters', values['new-meters']),
    uploadConnections: positive('upload-connections', values['upload-connections']),
    overload: values.overload === '0' ? 0 : positive('overload', values.overload),
    overloadRoute: overloadRouteOf(values['overload-route']),
    pool: positive('pool', values.pool),
    poolWaitMs: values['pool-wait'] === undefined ? undefined : values['pool-wait'] === '0' ? 0 : positive('pool-wait', values['pool-wait']),
    honourRetryAfter: values['honour-retry-after'],
    poolQueueMax: values['pool-queue'] === undefined ? undefined : values['pool-queue'] === '0' ? 0 : positive('pool-queue', values['pool-queue']),
    answerCacheBytes:
      values['answer-cache-bytes'] !== undefined
        ? integerOption('answer-cache-bytes', values['answer-cache-bytes'], 0)
        : values.overload !== '0'
          ? 0
          : undefined,
    cpuProfileDir: values['cpu-prof'],
  };
}

function overloadRouteOf(text: string): Options['overloadRoute'] {
  if (text === 'usage-15m' || text === 'summary') return text;
  throw new Error(`--overload-route must be usage-15m or summary, got "${text}"`);
}

/** The overload scenario alone: prints its table, the busy count and the verdict; 1 when anything was unexpected or a target was missed. */
async function overloadRun(
  baseUrl: URL,
  meterIds: readonly string[],
  metricsPort: number | undefined,
  stallSources: readonly StallSource[],
  options: Options,
): Promise<number> {
  const random = seededRandom(options.seed);
  const meter = () => meterIds[Math.floor(random() * meterIds.length)]!;
  const yearRange = () => {
    const year = START_YEAR + Math.floor(random() * options.years);
    return `from=${year}-01-01&to=${year + 1}-01-01`;
  };
  const [route, path] =
    options.overloadRoute === 'usage-15m'
      ? ['GET /api/usage 1 year by 15m', () => `/api/usage?meter=${meter()}&${yearRange()}&bucket=15m`]
      : [`GET /api/summary ${options.years} year(s)`, () => `/api/summary?meter=${meter()}&from=${START_YEAR}-01-01&to=${START_YEAR + options.years}-01-01`];
  console.log(
    `overload: ${options.overload} connections on ${route} (closed loop, ${options.honourRetryAfter ? 'each waiting Retry-After after a busy answer' : 'no pause on Retry-After'}) for ${options.durationS} s; /healthz and /readyz probed every 100 ms`,
  );
  const busyBefore = await busyCount(metricsPort);
  await resetStallWindow(stallSources);
  const startedAt = performance.now();
  const recorder = await runOverloadScenario({
    baseUrl,
    connections: options.overload,
    seconds: options.durationS,
    route,
    path,
    timeoutMs: REQUEST_TIMEOUT_MS,
    honourRetryAfter: options.honourRetryAfter,
  });
  const elapsedS = (performance.now() - startedAt) / 1000;
  const stalls = stallVerdict(await readStalls(stallSources));
  const busyAfter = await busyCount(metricsPort);
  const run = reportOf(recorder, elapsedS);
  printRoutes(`overload, ${options.overload} connections (measured ${elapsedS.toFixed(1)} s)`, [...run.routes, run.total]);
  const busyAnswers = run.routes.find((report) => report.route === busyRoute(route))?.latency.count ?? 0;
  const verdict = overloadVerdict(run.routes, GATEWAY_DEADLINE_MS);
  const problems = countOf(run.total.problems);
  console.log(
    `busy answers: ${busyAnswers} (grpc-server meterusage_db_pool_busy_total + meterusage_usage_admission_busy_total +${busyAfter - busyBefore}); ${verdict.text}`,
  );
  console.log(stalls.text);
  const failed = problems > 0 || !verdict.probesMet || !verdict.deadlineMet;
  console.log(`\nresult: ${failed ? 'FAILED' : 'ok'}: ${problems} unexpected answer(s) or error(s)`);
  return failed ? 1 : 0;
}

/** grpc-server's busy refusals so far (pool and usage admission, all reasons); NaN without its metrics port. */
async function busyCount(metricsPort: number | undefined): Promise<number> {
  if (metricsPort === undefined) return Number.NaN;
  return counterTotal(metricsPort, /^meterusage_(?:db_pool|usage_admission)_busy_total$/);
}

/**
 * Counts a process's error-level log lines (pino level ≥ 50) and drops the lines it has read, so a
 * long run does not keep every request's log line in this process.
 */
function drainLogs(entry: Watched): void {
  for (const line of entry.app.logs.splice(0)) {
    if (typeof line.level === 'number' && line.level >= 50) {
      entry.errorLogs += 1;
      if (entry.errorExamples.length < 5) entry.errorExamples.push(JSON.stringify(line).slice(0, 400));
    }
  }
  entry.app.output.splice(0, Math.max(0, entry.app.output.length - 50));
}

/** CPU seconds so far of each PostgreSQL backend connected to the database, by pid (the server must run on this machine). */
async function backendCpuSeconds(databaseUrl: string): Promise<Map<number, number>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
    const seconds = new Map<number, number>();
    for (const { pid } of rows) {
      try {
        seconds.set(pid, processCpuSeconds(pid));
      } catch {
        // not on this machine, or gone
      }
    }
    return seconds;
  } finally {
    await client.end();
  }
}

const countOf = (problems: Map<string, number>) => [...problems.values()].reduce((sum, count) => sum + count, 0);
const percentOfOneCore = (cpuSeconds: number, seconds: number) => `${Math.round((100 * cpuSeconds) / seconds)} % of a core`;
const ms = (value: number) => (Number.isNaN(value) ? '–' : value < 10 ? value.toFixed(2) : value.toFixed(1));

function printTable(header: string[], rows: string[][], rightAligned: Set<number>): void {
  const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => row[column]!.length)));
  const line = (row: string[]) =>
    `| ${row.map((cell, column) => (rightAligned.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join(' | ')} |`;
  console.log(`${line(header)}\n|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

const describeProblems = (problems: Map<string, number>) => [...problems].map(([kind, count]) => `${count} ${kind}`).join(', ');

function routeRow(report: RouteReport): string[] {
  const problems = describeProblems(report.problems);
  return [
    report.route,
    report.latency.count.toLocaleString('en'),
    report.perSecond.toFixed(1),
    ms(report.latency.p50),
    ms(report.latency.p99),
    ms(report.latency.max),
    problems === '' ? '0' : problems,
  ];
}

function printRoutes(title: string, reports: RouteReport[]): void {
  console.log(`\nper route, ${title}; latency in ms from request sent to last body byte:`);
  printTable(['route', 'requests', 'req/s', 'p50', 'p99', 'max', 'unexpected'], reports.map(routeRow), new Set([1, 2, 3, 4, 5]));
}

function printMemory(watched: Watched[]): void {
  console.log(
    `\nmemory (VmRSS from /proc/<pid>/status every second; "flat" = median of the last ${RSS_WINDOW_S} s ≤ ${RSS_FLAT_LIMIT} × median of the first ${RSS_WINDOW_S} s):`,
  );
  const rows = watched.map(({ name, app, rssMb }) => {
    const first = statsOf(rssMb.slice(0, RSS_WINDOW_S)).median;
    const last = statsOf(rssMb.slice(-RSS_WINDOW_S)).median;
    const ratio = last / first;
    return [
      name,
      String(rssMb.length),
      first.toFixed(1),
      last.toFixed(1),
      `${ratio.toFixed(3)} (${ratio <= RSS_FLAT_LIMIT ? 'flat' : 'GROWING'})`,
      `${Math.min(...rssMb).toFixed(1)}–${Math.max(...rssMb).toFixed(1)}`,
      processMemoryMb(app.child.pid!).peak.toFixed(1),
    ];
  });
  printTable(
    ['process', 'samples', `first ${RSS_WINDOW_S} s median MB`, `last ${RSS_WINDOW_S} s median MB`, 'last/first', 'range MB', 'VmHWM MB'],
    rows,
    new Set([1, 2, 3, 5, 6]),
  );
  // The shape tells a leak (climbs to the end) from a heap growing to its working size (levels off).
  for (const { name, rssMb } of watched) {
    const windows = Array.from({ length: Math.ceil(rssMb.length / RSS_WINDOW_S) }, (_, index) =>
      statsOf(rssMb.slice(index * RSS_WINDOW_S, (index + 1) * RSS_WINDOW_S)).median.toFixed(0),
    );
    console.log(`${name} VmRSS median of each ${RSS_WINDOW_S} s, MB: ${windows.join(' → ')}`);
  }
}

function printBaselines(baselines: RouteReport[], mixTotal: RouteReport, options: Options): void {
  printRoutes(`baselines from the same run, ${options.baselineS} s each at ${options.connections} concurrent callers`, baselines);
  const [floor, e2e, raw] = baselines;
  console.log(
    `ratios: the main query alone through the gateway vs its raw SQL: throughput ${(e2e!.perSecond / raw!.perSecond).toFixed(2)}×, ` +
      `p50 ${(e2e!.latency.p50 / raw!.latency.p50).toFixed(2)}× (what HTTP + gateway + gRPC + mapping add on top of PostgreSQL under the same concurrency);\n` +
      `        the mix's ${mixTotal.perSecond.toFixed(0)} req/s is ${((100 * mixTotal.perSecond) / floor!.perSecond).toFixed(1)} % of the /healthz floor of ${floor!.perSecond.toFixed(0)} req/s ` +
      `(the most this client and gateway can exchange on this machine).`,
  );
}

function printAlone(reports: AloneReport[]): void {
  console.log(
    `\nthe largest requests the limits admit, one at a time (one per meter, none from the answer cache); latency in ms, stalls = longest event-loop delay while the route ran:`,
  );
  const names = reports[0]?.stalls.map(({ name }) => name) ?? [];
  printTable(
    ['route', 'requests', 'p50', 'max', ...names.map((name) => `${name} stall`), 'idle floor', 'unexpected'],
    reports.map(({ report, stalls, floor }) => [
      report.route,
      String(report.latency.count),
      ms(report.latency.p50),
      ms(report.latency.max),
      ...stalls.map(({ maxMs }) => ms(maxMs)),
      ms(floor.maxMs),
      describeProblems(report.problems) || '0',
    ]),
    new Set(Array.from({ length: names.length + 4 }, (_, index) => index + 1)),
  );
  const worst = names.map((name) => Math.max(...reports.flatMap(({ stalls }) => stalls.filter((stall) => stall.name === name).map(({ maxMs }) => maxMs))));
  const met = worst.every((maxMs) => maxMs <= STALL_TARGET_MS);
  console.log(
    `largest requests alone: longest stall ${names.map((name, index) => `${name} ${ms(worst[index]!)} ms`).join(', ')} (target ≤ ${STALL_TARGET_MS} ms: ${met ? 'met' : 'NOT met'})`,
  );
}

/** Runs the mix for the run's duration while the uploads are sent and the probes time /api/meters and /readyz; prints the table and the verdict on the target. */
async function uploadScenario(baseUrl: URL, pick: () => Operation, options: Options): Promise<RouteReport> {
  const recorder = new Recorder();
  const startedAt = performance.now();
  const mix = runClosedLoop({ workers: options.uploadConnections, seconds: options.durationS, pick });
  await runUploadScenario({
    baseUrl,
    recorder,
    seconds: options.durationS,
    uploads: options.uploads,
    newMeters: options.newMeters,
    timeoutMs: REQUEST_TIMEOUT_MS,
  });
  const mixRecorder = await mix;
  for (const [route, record] of mixRecorder.routes) recorder.routes.set(`${route} (mix)`, record);
  const elapsedS = (performance.now() - startedAt) / 1000;
  const run = reportOf(recorder, elapsedS);
  printRoutes(
    `upload scenario: the mix on ${options.uploadConnections} connections with ${options.uploads} uploads of ${options.newMeters} new meters each (measured ${elapsedS.toFixed(1)} s)`,
    [...run.routes, run.total],
  );
  const during = ['/api/meters', '/readyz'].map((path) => run.routes.find((route) => route.route === probeRoute(path, true)));
  const upload = run.routes.find((route) => route.route === UPLOAD_ROUTE);
  console.log(
    `upload scenario: each upload of ${options.newMeters} new meters took p50 ${ms(upload?.latency.p50 ?? NaN)} ms, max ${ms(upload?.latency.max ?? NaN)} ms; ` +
      `during uploads p99 of GET /api/meters ${ms(during[0]?.latency.p99 ?? NaN)} ms, GET /readyz ${ms(during[1]?.latency.p99 ?? NaN)} ms (target < 1000 ms: ` +
      `${during.every((route) => route !== undefined && route.latency.p99 < 1000) ? 'met' : 'NOT met'})`,
  );
  return run.total;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
