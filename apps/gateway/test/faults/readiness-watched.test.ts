import type { FastifyInstance } from 'fastify';
import { waitUntil, type AppProcess, type ScratchCluster } from '@meterusage/testing';
import { report, startScratchStack, stopScratchStack } from './support';

// /readyz answers from the status a grpc.health.v1 Watch keeps current (WatchedReadiness), so a
// probe does not wait for grpc-server; a grpc-server that hangs (SIGSTOP: the connection stays
// open, no Watch message comes) must still turn it 503 within seconds, through the heartbeat.

jest.setTimeout(120_000);

describe('faults: /readyz from the watched status, and a grpc-server that hangs', () => {
  let cluster: ScratchCluster | undefined;
  let grpcServer: (AppProcess & { port: number }) | undefined;
  let gateway: { app: FastifyInstance; baseUrl: string } | undefined;

  beforeAll(async () => {
    ({ cluster, grpcServer, gateway } = await startScratchStack('faults-readiness-watched'));
  });
  afterAll(async () => {
    grpcServer?.child.kill('SIGCONT');
    await stopScratchStack({ cluster, grpcServer, gateway });
  });

  const readiness = async (): Promise<[number, unknown]> => {
    const response = await gateway!.app.inject({ method: 'GET', url: '/readyz' });
    return [response.statusCode, response.json()];
  };
  /** Health Checks the gateway has sent grpc-server (its gRPC client histogram). */
  const checksSent = async () => {
    const text = (await gateway!.app.inject({ method: 'GET', url: '/metrics' })).body;
    return [...text.matchAll(/^gateway_grpc_client_duration_seconds_count\{method="Check",code="[A-Z_]+"\} (\d+)$/gm)].reduce(
      (sum, match) => sum + Number(match[1]),
      0,
    );
  };

  it('answers probes from the watched status: many probes, about one Check a second', async () => {
    await waitUntil('the Watch has delivered a status', async () => JSON.stringify(await readiness()) === '[200,{"status":"SERVING"}]', { timeoutMs: 10_000 });
    const before = await checksSent();
    const startedAt = performance.now();
    for (let probe = 0; probe < 50; probe++) expect(await readiness()).toEqual([200, { status: 'SERVING' }]);
    const seconds = (performance.now() - startedAt) / 1000;
    // Only the heartbeats (one a second, plus one in flight) asked grpc-server meanwhile.
    expect(await checksSent()).toBeLessThanOrEqual(before + Math.ceil(seconds) + 2);
  });

  it('turns 503 within seconds when grpc-server hangs, and 200 again when it resumes', async () => {
    grpcServer!.child.kill('SIGSTOP');
    // Without the heartbeat the open Watch would say SERVING until keepalive gave up (30 s + 10 s);
    // with it, its 2 s deadline after at most 1 s, then probes ask (typically under 5 s).
    const { elapsedMs: unreachableMs } = await waitUntil(
      '/readyz answers 503 UNREACHABLE',
      async () => JSON.stringify(await readiness()) === '[503,{"status":"UNREACHABLE"}]',
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    grpcServer!.child.kill('SIGCONT');
    const { elapsedMs: servingMs } = await waitUntil('/readyz answers 200 SERVING', async () => (await readiness())[0] === 200, {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    report('readiness, grpc-server hung (SIGSTOP)', { unreachableMs, servingAfterResumeMs: servingMs });
  });
});
