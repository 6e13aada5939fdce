// Comparison benchmark: GET /api/metrics (a month of one meter, 2,975 readings) through our gateway
// against the original Python design (../shared/peers/seed-python), both on this machine, driven
// by the same wrk, in alternating rounds (seed, ours, ours without the answer cache, again and
// again) so a change in the machine's background load falls on all of them. Prints every round,
// the medians and the ratios against the targets (≥ 10× the requests a second, ≤ 1/10 the p99).
//
//   pnpm nx run gateway:compare [-- --rounds 3 --seconds 10 --connections 10 --warmup 3]
//
// Needs wrk and the peer's Python packages (apt, see seed-python-peer.ts); exits 2 without them,
// 1 when an answer differs between the systems or any request failed.
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import {
  benchAdminUrl,
  freePort,
  integerOption,
  recreateBenchDatabase,
  SAMPLE_CSV_PATH,
  startApp,
  startGrpcServer,
  statsOf,
  stopBenchProcess,
} from '@meterusage/testing';
import { seedPythonDirectory, seedPythonMissing, startSeedPython } from './seed-python-peer';
import { runWrk, wrkMissing, type WrkResult } from './wrk';

const THROUGHPUT_TARGET = 10;
const P99_TARGET = 0.1;

interface System {
  name: string;
  url: string;
  results: WrkResult[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      seconds: { type: 'string', default: '10' },
      connections: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
    },
  });
  const options = {
    rounds: integerOption('--rounds', values.rounds),
    seconds: integerOption('--seconds', values.seconds),
    connections: integerOption('--connections', values.connections),
    warmup: integerOption('--warmup', values.warmup, 0),
  };
  const peerDirectory = seedPythonDirectory();
  const missing = wrkMissing() ?? seedPythonMissing(peerDirectory);
  if (missing !== undefined) {
    console.error(`compare: cannot run: ${missing}`);
    process.exit(2);
  }

  const cleanup: (() => Promise<unknown>)[] = [];
  try {
    const peer = await startSeedPython(peerDirectory);
    cleanup.push(() => peer.stop());
    const { url: databaseUrl, drop } = await recreateBenchDatabase(benchAdminUrl(), 'meterusage_compare');
    cleanup.push(drop);
    const grpcServer = await startGrpcServer({ DATABASE_URL: databaseUrl, CSV_PATH: SAMPLE_CSV_PATH, METER_ID: 'meter-1' });
    cleanup.push(() => stopBenchProcess('grpc-server', grpcServer));
    const gatewayUrl = async (env: Record<string, string>) => {
      const port = await freePort();
      const gateway = startApp('gateway', { HTTP_HOST: '127.0.0.1', HTTP_PORT: String(port), GRPC_TARGET: `127.0.0.1:${grpcServer.port}`, ...env });
      cleanup.push(() => stopBenchProcess('gateway', gateway));
      await gateway.waitForLog((line) => String(line.msg).startsWith('dashboard at'));
      return `http://127.0.0.1:${port}/api/metrics`;
    };
    const systems: System[] = [
      { name: 'seed-python', url: peer.url, results: [] },
      { name: 'meterusage', url: await gatewayUrl({}), results: [] },
      { name: 'meterusage, no answer cache', url: await gatewayUrl({ ANSWER_CACHE_MAX_BYTES: '0' }), results: [] },
    ];
    const sameAnswers = await checkSameAnswers(systems);

    console.log(
      `meterusage vs seed-python: GET /api/metrics, wrk 1 thread × ${options.connections} connections, ${options.rounds} rounds of ${options.seconds} s each, ` +
        `alternating; Node ${process.version}, ${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(2)}`,
    );
    for (const system of systems) if (options.warmup > 0) await runWrk(system.url, { connections: options.connections, seconds: options.warmup });
    for (let round = 1; round <= options.rounds; round++) {
      for (const system of systems) {
        const result = await runWrk(system.url, { connections: options.connections, seconds: options.seconds });
        system.results.push(result);
        console.log(
          `round ${round} ${system.name.padEnd(28)} ${result.requestsPerSecond.toFixed(1).padStart(8)} req/s  p50 ${result.p50Ms.toFixed(1).padStart(6)} ms  p99 ${result.p99Ms.toFixed(1).padStart(6)} ms  errors ${result.errors}`,
        );
      }
    }
    printVerdict(systems);
    const errors = systems.reduce((sum, system) => sum + system.results.reduce((count, result) => count + result.errors, 0), 0);
    process.exitCode = sameAnswers && errors === 0 ? 0 : 1;
  } finally {
    for (const step of cleanup.reverse()) await step().catch((error: unknown) => console.error(`cleanup: ${(error as Error).message}`));
  }
}

/** Both designs must give the same readings: times as instants (their formats differ), values, null for missing. */
async function checkSameAnswers(systems: System[]): Promise<boolean> {
  const answers = await Promise.all(
    systems.map(async (system) => {
      const body = (await (await fetch(system.url)).json()) as Array<{ time: string; meterusage: number | null }>;
      return JSON.stringify(body.map((metric) => [Date.parse(metric.time), metric.meterusage]));
    }),
  );
  const same = answers.every((answer) => answer === answers[0]);
  console.log(
    `answers: ${(JSON.parse(answers[0]!) as unknown[]).length} readings from each; ${same ? 'the same readings from every system' : 'THE SYSTEMS DISAGREE'}`,
  );
  return same;
}

function printVerdict(systems: System[]): void {
  const [seed, ...ours] = systems as [System, ...System[]];
  const median = (system: System, key: 'requestsPerSecond' | 'p99Ms' | 'p50Ms') => statsOf(system.results.map((result) => result[key])).median;
  console.log('\nmedians of the rounds:');
  console.log('| system | req/s | p50 ms | p99 ms | req/s vs seed | p99 vs seed |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const system of systems) {
    console.log(
      `| ${system.name} | ${median(system, 'requestsPerSecond').toFixed(1)} | ${median(system, 'p50Ms').toFixed(1)} | ${median(system, 'p99Ms').toFixed(1)} | ` +
        `${(median(system, 'requestsPerSecond') / median(seed, 'requestsPerSecond')).toFixed(1)}× | ${(median(system, 'p99Ms') / median(seed, 'p99Ms')).toFixed(3)} |`,
    );
  }
  const main = ours[0]!;
  const throughput = median(main, 'requestsPerSecond') / median(seed, 'requestsPerSecond');
  const p99 = median(main, 'p99Ms') / median(seed, 'p99Ms');
  console.log(
    `\ntarget: req/s ≥ ${THROUGHPUT_TARGET}× the original design: ${throughput.toFixed(1)}× (${throughput >= THROUGHPUT_TARGET ? 'met' : 'NOT met'}); ` +
      `p99 ≤ ${P99_TARGET} of it: ${p99.toFixed(3)} (${p99 <= P99_TARGET ? 'met' : 'NOT met'})`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
