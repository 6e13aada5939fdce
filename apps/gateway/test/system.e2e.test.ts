import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  freePort,
  prometheusPortOf,
  readmeShellExamples,
  readSampleCsv,
  runReadmeExample,
  SAMPLE_CSV_PATH,
  scratchDirectory,
  startApp,
  startGrpcServer,
  WORKSPACE_ROOT,
  type AppProcess,
} from '@meterusage/testing';

const run = promisify(execFile);
const BUF = path.join(WORKSPACE_ROOT, 'libs', 'contracts', 'node_modules', '.bin', 'buf');

/**
 * The system as a user runs it: grpc-server on its embedded PostgreSQL (no database settings at
 * all), the gateway in front, both real processes; then restarted on the same data.
 */
describe('system end to end (embedded database, real processes)', () => {
  const dataDir = path.join(scratchDirectory('meterusage-e2e'), 'postgres');
  let embeddedPort: number;
  let grpcServer: (AppProcess & { port: number }) | undefined;
  let gateway: AppProcess | undefined;
  let baseUrl: string;

  const embeddedEnv = () => ({ EMBEDDED_DB_DIR: dataDir, EMBEDDED_DB_PORT: String(embeddedPort), CSV_PATH: SAMPLE_CSV_PATH });

  beforeAll(async () => {
    embeddedPort = await freePort();
    grpcServer = await startGrpcServer(embeddedEnv());
    const httpPort = await freePort();
    gateway = startApp('gateway', { HTTP_PORT: String(httpPort), HTTP_HOST: '127.0.0.1', GRPC_TARGET: `127.0.0.1:${grpcServer.port}` });
    await gateway.waitForLog((line) => String(line.msg).startsWith('dashboard at'));
    baseUrl = `http://127.0.0.1:${httpPort}`;
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop('SIGKILL');
    await grpcServer?.stop('SIGTERM');
  });

  it('logs that it uses the embedded PostgreSQL', () => {
    expect(grpcServer!.logs.some((line) => line.database === 'embedded' && String(line.msg).includes('embedded PostgreSQL 16'))).toBe(true);
  });

  it('serves 2,975 readings with one null on /api/metrics and is ready on /readyz', async () => {
    const metrics = await fetch(`${baseUrl}/api/metrics`);
    expect(metrics.status).toBe(200);
    const body = (await metrics.json()) as Array<{ time: string; meterusage: number | null }>;
    expect(body).toEqual(readSampleCsv());
    expect(body.filter((metric) => metric.meterusage === null)).toHaveLength(1);

    const ready = await fetch(`${baseUrl}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'SERVING' }]);
  });

  it('runs every curl and buf curl example of the README as written, without an error', async () => {
    const commands = readmeShellExamples();
    expect(commands.length).toBeGreaterThanOrEqual(15);
    const targets = { httpHost: baseUrl.replace('http://', ''), grpcHost: `127.0.0.1:${grpcServer!.port}`, workDir: scratchDirectory('meterusage-readme') };
    for (const command of commands) {
      const output = await runReadmeExample(command, targets);
      expect({ command, ok: output.length > 0 && !output.includes('"error"') }).toEqual({ command, ok: true });
    }
  }, 120_000);

  it('exposes Prometheus metrics on both processes, counting the calls just made', async () => {
    const gatewayMetrics = await (await fetch(`${baseUrl}/metrics`)).text();
    expect(gatewayMetrics).toMatch(/gateway_http_request_duration_seconds_count\{method="GET",route="\/api\/metrics",status_code="200"\} [1-9]/);
    expect(gatewayMetrics).toMatch(/gateway_grpc_client_duration_seconds_count\{method="GetMetrics",code="OK"\} [1-9]/);
    const serverMetrics = await (await fetch(`http://127.0.0.1:${prometheusPortOf(grpcServer!)}/metrics`)).text();
    expect(serverMetrics).toMatch(/grpc_server_handling_seconds_count\{method="GetMetrics",code="OK"\} [1-9]/);
    expect(serverMetrics).toMatch(/meterusage_db_pool_connections \d+/);
    expect(serverMetrics).toContain('meterusage_ingest_uploads_total');
  });

  it('answers buf curl through server reflection, with no schema given', async () => {
    const target = `http://127.0.0.1:${grpcServer!.port}`;
    const methods = await run(BUF, ['curl', '--protocol', 'grpc', '--http2-prior-knowledge', '--list-methods', target]);
    expect(methods.stdout.split('\n')).toEqual(expect.arrayContaining(['meterusage.v1.MeterUsageService/GetMetrics', 'grpc.health.v1.Health/Check']));

    const call = await run(BUF, ['curl', '--protocol', 'grpc', '--http2-prior-knowledge', `${target}/meterusage.v1.MeterUsageService/GetMetrics`], {
      maxBuffer: 64 * 1024 * 1024,
    });
    const response = JSON.parse(call.stdout) as { meterId: string; readings: Array<{ time: string; usage?: number }> };
    expect(response.meterId).toBe('meter-1');
    expect(response.readings).toHaveLength(2975);
    expect(response.readings[0]).toMatchObject({ time: '2019-01-01T00:15:00Z', usage: 55.09 });
    expect(response.readings.filter((reading) => reading.usage === undefined)).toHaveLength(1);
  });

  it('stops on SIGTERM with exit code 0, taking its embedded PostgreSQL down, and restarts without duplicating a row', async () => {
    expect(await gateway!.stop('SIGTERM')).toBe(0);
    expect(await grpcServer!.stop('SIGTERM')).toBe(0);
    expect(existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(false);

    grpcServer = await startGrpcServer(embeddedEnv());
    const seed = grpcServer.logs.find((line) => line.csvPath !== undefined);
    expect(seed).toMatchObject({ msg: 'seed already loaded', rows: 2975, inserted: 0 });
    const call = await run(BUF, [
      'curl',
      '--protocol',
      'grpc',
      '--http2-prior-knowledge',
      `http://127.0.0.1:${grpcServer.port}/meterusage.v1.MeterUsageService/GetMetrics`,
    ]);
    expect((JSON.parse(call.stdout) as { readings: unknown[] }).readings).toHaveLength(2975);
  }, 60_000);

  it('refuses to start either app on invalid configuration, naming each variable, with exit code 2', async () => {
    const server = startApp('grpc-server', { GRPC_PORT: 'fifty', CSV_TIMEZONE: 'Moon/Base' });
    expect(await server.exited).toBe(2);
    expect(server.output.join('\n')).toContain('GRPC_PORT must be an integer from 0 to 65535, got "fifty"');
    expect(server.output.join('\n')).toContain('CSV_TIMEZONE must be an IANA time zone');

    const gatewayProcess = startApp('gateway', { HTTP_PORT: '-1' });
    expect(await gatewayProcess.exited).toBe(2);
    expect(gatewayProcess.output.join('\n')).toContain('HTTP_PORT must be an integer from 0 to 65535, got "-1"');
  }, 60_000);
});
