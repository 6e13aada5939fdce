import type { FastifyInstance } from 'fastify';
import { createScratchCluster, SAMPLE_CSV_PATH, startApp, startGrpcServer, waitUntil, type AppProcess, type ScratchCluster } from '@meterusage/testing';
import { countReadings, grpcHealth, report, since, startGateway } from './support';

describe('faults: grpc-server starts before its database', () => {
  let cluster: ScratchCluster | undefined;
  let grpcServer: AppProcess | undefined;
  let restarted: AppProcess | undefined;
  let gateway: { app: FastifyInstance; baseUrl: string } | undefined;

  beforeAll(async () => {
    cluster = await createScratchCluster('faults-late-db'); // initialised, not running
  }, 60_000);

  afterAll(async () => {
    await gateway?.app.close();
    await grpcServer?.stop('SIGKILL');
    await restarted?.stop('SIGKILL');
    await cluster?.destroy();
  });

  it('reports NOT_SERVING (gRPC health, /readyz 503) until the database is up, then SERVING, and seeds exactly once', async () => {
    const env = { DATABASE_URL: cluster!.url(), CSV_PATH: SAMPLE_CSV_PATH, METER_ID: 'meter-1', DB_CONNECT_ATTEMPTS: '40', DB_CONNECT_TIMEOUT_MS: '2000' };
    grpcServer = startApp('grpc-server', { GRPC_PORT: '0', GRPC_HOST: '127.0.0.1', METRICS_PORT: '0', ...env });
    const listening = await grpcServer.waitForLog((line) => typeof line.port === 'number' && String(line.msg).startsWith('gRPC listening'));
    const target = `127.0.0.1:${listening.port as number}`;
    await grpcServer.waitForLog((line) => line.msg === 'database not reachable yet');
    gateway = await startGateway({ grpcTarget: target, grpcDeadlineMs: 10_000 });

    expect(await grpcHealth(target)).toBe('NOT_SERVING');
    const ready = await gateway.app.inject({ method: 'GET', url: '/readyz' });
    expect([ready.statusCode, ready.json()]).toEqual([503, { status: 'NOT_SERVING' }]);
    const query = await gateway.app.inject({ method: 'GET', url: '/api/summary' });
    expect([query.statusCode, query.json().error.code]).toEqual([503, 'UNAVAILABLE']);
    expect(grpcServer.child.exitCode).toBeNull();

    const databaseUpAt = performance.now();
    await cluster!.start();
    const clusterStartMs = since(databaseUpAt);
    const { elapsedMs: readyMs } = await waitUntil(
      '/readyz answers 200',
      async () => (await gateway!.app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200,
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    expect(await grpcHealth(target)).toBe('SERVING');
    expect((await gateway.app.inject({ method: 'GET', url: '/api/summary' })).statusCode).toBe(200);
    expect(await countReadings(cluster!.url())).toBe(2975);
    expect(grpcServer.logs.filter((line) => line.msg === 'seed loaded').map((line) => line.inserted)).toEqual([2975]);
    const attempts = grpcServer.logs.filter((line) => line.msg === 'database not reachable yet').length;

    // A second start on the same database finds the seed there and adds nothing.
    expect(await grpcServer.stop('SIGTERM')).toBe(0);
    restarted = await startGrpcServer(env);
    expect(restarted.logs.find((line) => line.msg === 'seed already loaded')).toMatchObject({ rows: 2975, inserted: 0 });
    expect(await countReadings(cluster!.url())).toBe(2975);
    report('database down at start', { failedAttempts: String(attempts), clusterStart: clusterStartMs, readyAfterDatabaseUp: readyMs });
  }, 120_000);
});
