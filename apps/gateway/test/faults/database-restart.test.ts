import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import type { FastifyInstance } from 'fastify';
import { Client } from 'pg';
import { ExportFormat, MeterUsageServiceClient, type ExportReadingsResponse } from '@meterusage/contracts';
import {
  createTestDatabase,
  loadSyntheticReadings,
  SAMPLE_CSV_PATH,
  startGrpcServer,
  terminateConnections,
  waitUntil,
  type AppProcess,
  type ScratchCluster,
  type TestDatabase,
} from '@meterusage/testing';
import { countReadings, report, since, startGateway, startScratchStack, stopScratchStack } from './support';

// grpc-server's own message (its status carries the origin trailer), passed through by the gateway.
const UNAVAILABLE_BODY = { error: { code: 'UNAVAILABLE', message: 'the database is unavailable; retry shortly' } };
// 200 batches, far more than the gateway's side of the stream can hold, so the export is still
// reading when the fault hits: its 8 MiB HTTP/2 window and the stream's buffer take a few hundred
// thousand readings, and with 300k the whole export was once in flight before the fault (under load).
const EXPORT_ROWS = 1_000_000;
const QUERIES = ['/api/summary', '/api/usage?bucket=day', '/api/readings?page_size=10', '/api/meters'];

/** 503 with exactly the generic JSON body: no stack, no SQL, no address. */
function expectUnavailable(response: { status: number; body: string }): void {
  expect([response.status, JSON.parse(response.body)]).toEqual([503, UNAVAILABLE_BODY]);
  expect(response.body).not.toMatch(/select|readings|meters|stack|at .*\.ts|127\.0\.0\.1|57P01/i);
}

async function get(baseUrl: string, path: string): Promise<{ status: number; body: string; ms: number }> {
  const startedAt = performance.now();
  const response = await fetch(`${baseUrl}${path}`, { signal: AbortSignal.timeout(60_000) });
  return { status: response.status, body: await response.text(), ms: since(startedAt) };
}

describe('faults: the database connections die while grpc-server runs (shared server, own database)', () => {
  let database: TestDatabase | undefined;
  let grpcServer: (AppProcess & { port: number }) | undefined;
  let gateway: { app: FastifyInstance; baseUrl: string } | undefined;
  let client: MeterUsageServiceClient | undefined;
  let locker: Client | undefined;

  beforeAll(async () => {
    database = await createTestDatabase('faults_terminate');
    grpcServer = await startGrpcServer({ DATABASE_URL: database.url, CSV_PATH: SAMPLE_CSV_PATH, METER_ID: 'meter-1' });
    await loadSyntheticReadings(database.url, { meters: 0, years: 1, exportReadings: EXPORT_ROWS, missingRate: 0 });
    gateway = await startGateway({ grpcTarget: `127.0.0.1:${grpcServer.port}`, grpcDeadlineMs: 15_000 });
    client = new MeterUsageServiceClient(`127.0.0.1:${grpcServer.port}`, credentials.createInsecure());
  }, 120_000);

  afterAll(async () => {
    await locker?.end().catch(() => undefined);
    client?.close();
    await gateway?.app.close();
    await grpcServer?.stop('SIGKILL');
    await database?.drop();
  });

  it('fails in-flight queries and the export stream with UNAVAILABLE / 503, stays up, and serves the next requests', async () => {
    const { baseUrl } = gateway!;
    const rowsBefore = await countReadings(database!.url);
    expect(rowsBefore).toBe(2975 + EXPORT_ROWS);

    // An export stream, read once and then left waiting: grpc-server holds its cursor open.
    const received: ExportReadingsResponse[] = [];
    const exportCall = client!.exportReadings({ meterId: 'syn-export', format: ExportFormat.EXPORT_FORMAT_UNSPECIFIED }, new Metadata(), {
      deadline: Date.now() + 60_000,
    });
    const exportOutcome = new Promise<ServiceError | 'completed'>((resolve) => {
      exportCall.on('error', (error: ServiceError) => resolve(error));
      exportCall.on('end', () => resolve('completed'));
    });
    await new Promise<void>((resolve) =>
      exportCall.once('data', (message: ExportReadingsResponse) => {
        received.push(message);
        exportCall.pause();
        resolve();
      }),
    );
    // Queries held in flight: they wait for a lock the test holds on meters (each looks its meter up first).
    locker = new Client({ connectionString: database!.url, application_name: 'fault-test-locker' });
    await locker.connect();
    await locker.query('begin');
    await locker.query('lock table meters in access exclusive mode');
    const inFlight = QUERIES.map((path) => get(baseUrl, path));
    await waitUntil(`${QUERIES.length} grpc-server queries wait for the lock`, async () => {
      // Inside a transaction pg_stat_activity is a snapshot taken once: drop it before each look.
      await locker!.query('select pg_stat_clear_snapshot()');
      const { rows } = await locker!.query<{ waiting: string }>(
        `select count(*) as waiting from pg_stat_activity
         where datname = current_database() and application_name = 'meterusage-grpc-server' and wait_event_type = 'Lock'`,
      );
      return Number(rows[0]!.waiting) >= QUERIES.length;
    });

    const faultAt = performance.now();
    const terminated = await terminateConnections(database!.url, { applicationName: 'meterusage-grpc-server' });
    expect(terminated).toBeGreaterThanOrEqual(QUERIES.length + 1);
    await locker.query('rollback');

    const failed = await Promise.all(inFlight);
    for (const response of failed) expectUnavailable(response);
    const failedWithinMs = since(faultAt);

    exportCall.on('data', (message: ExportReadingsResponse) => received.push(message));
    exportCall.resume();
    const exportEnd = await exportOutcome;
    expect(exportEnd).toMatchObject({ code: status.UNAVAILABLE, details: 'the database is unavailable; retry shortly' });
    const exported = received.reduce((total, message) => total + message.readings.length, 0);
    expect(exported).toBeLessThan(EXPORT_ROWS);

    // The pool replaces the dead connections: the very next requests succeed.
    const { elapsedMs: recoveredMs } = await waitUntil('GET /api/summary answers 200', async () => (await get(baseUrl, '/api/summary')).status === 200, {
      timeoutMs: 30_000,
    });
    const next = await Promise.all(QUERIES.map((path) => get(baseUrl, path)));
    expect(next.map((response) => response.status)).toEqual(QUERIES.map(() => 200));
    expect(grpcServer!.child.exitCode).toBeNull();
    expect(grpcServer!.output.join('\n')).not.toMatch(/uncaught|unhandled/i);
    expect(await countReadings(database!.url)).toBe(rowsBefore);
    report('terminate backends', {
      terminated: String(terminated),
      inFlightFailedWithin: failedWithinMs,
      exportedBeforeFault: String(exported),
      recovered: recoveredMs,
    });
  }, 90_000);

  it('aborts an HTTP export download (no clean end) when the database goes away mid-stream', async () => {
    const { baseUrl } = gateway!;
    const response = await fetch(`${baseUrl}/api/export?meter=syn-export&format=ndjson`, { signal: AbortSignal.timeout(60_000) });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    await terminateConnections(database!.url, { applicationName: 'meterusage-grpc-server' });
    // Read until the cut, to see how the download ends.
    const outcome = await (async () => {
      try {
        for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read());
        return 'complete';
      } catch (error) {
        return `aborted: ${(error as Error).message}`;
      }
    })();
    // A truncated file must not look complete: the chunked response is cut off, not ended.
    expect(outcome).toMatch(/^aborted/);
    expect((await get(baseUrl, '/api/summary')).status).toBe(200);
  }, 60_000);
});

describe('faults: the whole (scratch) PostgreSQL cluster stops and starts again', () => {
  let cluster: ScratchCluster | undefined;
  let grpcServer: (AppProcess & { port: number }) | undefined;
  let gateway: { app: FastifyInstance; baseUrl: string } | undefined;

  beforeAll(async () => {
    ({ cluster, grpcServer, gateway } = await startScratchStack('faults-restart'));
  }, 120_000);

  afterAll(() => stopScratchStack({ cluster, grpcServer, gateway }));

  it.each([['fast' as const], ['immediate' as const]])(
    'answers 503 quickly during the outage (%s stop) and recovers by itself once the cluster is back',
    async (mode) => {
      const { baseUrl } = gateway!;
      expect((await get(baseUrl, '/api/summary')).status).toBe(200);
      const rowsBefore = await countReadings(cluster!.url());
      expect(rowsBefore).toBe(2975);

      await cluster!.stop(mode);
      const during = [];
      for (const path of QUERIES) during.push(await get(baseUrl, path));
      for (const response of during) expectUnavailable(response);
      // Well under the 10 s gRPC deadline: a refused connection fails at once, not at the deadline.
      const slowestMs = Math.max(...during.map((response) => response.ms));
      expect(slowestMs).toBeLessThan(8_000);

      const restartAt = performance.now();
      await cluster!.start();
      const startedMs = since(restartAt);
      const { elapsedMs } = await waitUntil('GET /api/summary answers 200 again', async () => (await get(baseUrl, '/api/summary')).status === 200, {
        timeoutMs: 30_000,
      });
      expect(grpcServer!.child.exitCode).toBeNull();
      expect(await countReadings(cluster!.url())).toBe(rowsBefore);
      report(`cluster ${mode} stop`, { slowest503: slowestMs, clusterStart: startedMs, serviceBackAfterClusterUp: elapsedMs });
    },
    60_000,
  );
});
