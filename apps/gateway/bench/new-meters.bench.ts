// How long one upload naming N new meters takes through the gateway, and how /api/meters and
// /readyz answer meanwhile (issue #10 item 1: 100,000 new meters froze the service). Each size on a
// database of its own, grpc-server's MAX_NEW_METERS_PER_UPLOAD raised to the size.
//
//   pnpm exec tsx --conditions=@meterusage/source apps/gateway/bench/new-meters.bench.ts [-- --sizes 1000,20000]
//
// BENCH_DATABASE_URL names the PostgreSQL maintenance database (default: the local server).
import { parseArgs } from 'node:util';
import { benchAdminUrl, freePort, recreateBenchDatabase, SAMPLE_CSV_PATH, startApp, startGrpcServer, stopBenchProcess } from '@meterusage/testing';
import { Recorder, reportOf } from './load-driver';
import { probeRoute, runUploadScenario, UPLOAD_ROUTE } from './load-upload';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { sizes: { type: 'string', default: '1000,20000' } } });
  const sizes = values.sizes.split(',').map(Number);
  for (const size of sizes) {
    const { url, drop } = await recreateBenchDatabase(benchAdminUrl(), 'meterusage_new_meters');
    const grpcServer = await startGrpcServer({ DATABASE_URL: url, CSV_PATH: SAMPLE_CSV_PATH, METER_ID: 'meter-1', MAX_NEW_METERS_PER_UPLOAD: String(size) });
    const httpPort = await freePort();
    const gateway = startApp('gateway', {
      HTTP_PORT: String(httpPort),
      HTTP_HOST: '127.0.0.1',
      GRPC_TARGET: `127.0.0.1:${grpcServer.port}`,
      GRPC_DEADLINE_MS: '600000',
    });
    try {
      await gateway.waitForLog((line) => String(line.msg).startsWith('dashboard at'));
      const recorder = new Recorder();
      await runUploadScenario({ baseUrl: new URL(`http://127.0.0.1:${httpPort}`), recorder, seconds: 0, uploads: 1, newMeters: size, timeoutMs: 600_000 });
      const routes = reportOf(recorder, 1).routes;
      const of = (route: string) => routes.find((entry) => entry.route === route);
      const upload = of(UPLOAD_ROUTE);
      const probes = ['/api/meters', '/readyz'].map((path) => of(probeRoute(path, true)));
      console.log(
        `${size.toLocaleString('en')} new meters: upload ${upload?.latency.max.toFixed(0)} ms (${[...(upload?.problems.keys() ?? [])].join(', ') || 'HTTP 200'}); ` +
          probes
            .map(
              (probe, index) =>
                `${['/api/meters', '/readyz'][index]} during it: ${probe?.latency.count ?? 0} probes, max ${probe?.latency.max.toFixed(0) ?? '–'} ms`,
            )
            .join('; '),
      );
    } finally {
      await stopBenchProcess('gateway', gateway);
      await stopBenchProcess('grpc-server', grpcServer);
      await drop();
    }
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
