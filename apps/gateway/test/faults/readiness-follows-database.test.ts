import type { FastifyInstance } from 'fastify';
import { waitUntil, type AppProcess, type ScratchCluster } from '@meterusage/testing';
import { countReadings, grpcHealth, report, startScratchStack, stopScratchStack } from './support';

const HEALTH_INTERVAL_MS = 500;
const FAILED = 'database check failed: NOT_SERVING until it succeeds again';
const RECOVERED = 'database check succeeded again: SERVING';

describe('faults: readiness follows the database while grpc-server runs (scratch cluster stopped and started)', () => {
  let cluster: ScratchCluster | undefined;
  let grpcServer: (AppProcess & { port: number }) | undefined;
  let gateway: { app: FastifyInstance; baseUrl: string } | undefined;

  beforeAll(async () => {
    ({ cluster, grpcServer, gateway } = await startScratchStack('faults-readiness', { DB_HEALTH_INTERVAL_MS: String(HEALTH_INTERVAL_MS) }));
  }, 120_000);

  afterAll(() => stopScratchStack({ cluster, grpcServer, gateway }));

  async function readiness(): Promise<[number, unknown]> {
    const response = await gateway!.app.inject({ method: 'GET', url: '/readyz' });
    return [response.statusCode, response.json()];
  }

  const logged = (message: string) => grpcServer!.logs.filter((line) => String(line.msg).startsWith(message));

  it.each([['fast' as const], ['immediate' as const]])(
    '/readyz turns 503 NOT_SERVING after the cluster stops (%s), logs it once, and 200 SERVING once it is back',
    async (mode) => {
      expect(await readiness()).toEqual([200, { status: 'SERVING' }]);
      const failedBefore = logged(FAILED).length;
      const recoveredBefore = logged(RECOVERED).length;

      const stoppedAt = performance.now();
      await cluster!.stop(mode);
      // Restarted on a failure too, so the next case does not start with the cluster down.
      let stopMs: number;
      let notServingMs: number;
      try {
        stopMs = Math.round(performance.now() - stoppedAt);
        ({ elapsedMs: notServingMs } = await waitUntil(
          '/readyz answers 503 NOT_SERVING',
          async () => JSON.stringify(await readiness()) === JSON.stringify([503, { status: 'NOT_SERVING' }]),
          { timeoutMs: 30_000, intervalMs: 50 },
        ));
        expect(await grpcHealth(`127.0.0.1:${grpcServer!.port}`)).toBe('NOT_SERVING');
        // Many more checks fail while the cluster stays down; the change is logged once, at warn, with the reason.
        await new Promise((resolve) => setTimeout(resolve, 4 * HEALTH_INTERVAL_MS));
        expect(await readiness()).toEqual([503, { status: 'NOT_SERVING' }]);
        const failures = logged(FAILED).slice(failedBefore);
        expect(failures).toHaveLength(1);
        expect(failures[0]).toMatchObject({ level: 40, reason: expect.stringMatching(/ECONNREFUSED|ECONNRESET|terminat|shut|connect|closed/i) });
        expect(grpcServer!.child.exitCode).toBeNull();
      } catch (error) {
        await cluster!.start().catch(() => undefined);
        throw error;
      }

      const restartAt = performance.now();
      await cluster!.start();
      const clusterStartMs = Math.round(performance.now() - restartAt);
      const { elapsedMs: servingMs } = await waitUntil(
        '/readyz answers 200 SERVING',
        async () => JSON.stringify(await readiness()) === JSON.stringify([200, { status: 'SERVING' }]),
        { timeoutMs: 30_000, intervalMs: 50 },
      );
      // grpc-server logs before it reports SERVING, but its stdout may reach this process after the
      // health change has reached the gateway over gRPC: wait for the line, then count.
      await waitUntil('grpc-server logs the recovery', () => logged(RECOVERED).length > recoveredBefore, { timeoutMs: 10_000, intervalMs: 20 });
      expect(logged(RECOVERED).slice(recoveredBefore)).toHaveLength(1);
      expect(logged(RECOVERED).at(-1)).toMatchObject({ level: 30, downMs: expect.any(Number) });
      expect((await gateway!.app.inject({ method: 'GET', url: '/api/summary' })).statusCode).toBe(200);
      expect(await countReadings(cluster!.url())).toBe(2975);
      report(`readiness, cluster ${mode} stop`, {
        checkIntervalMs: String(HEALTH_INTERVAL_MS),
        clusterStop: stopMs,
        notServingAfterStop: notServingMs,
        clusterStart: clusterStartMs,
        servingAfterClusterUp: servingMs,
      });
    },
    90_000,
  );

  it('stops checking on SIGTERM, even with the database down: stays NOT_SERVING and exits 0', async () => {
    await cluster!.stop('fast');
    await waitUntil('NOT_SERVING', async () => (await readiness())[0] === 503, { timeoutMs: 30_000, intervalMs: 50 });
    expect(await grpcServer!.stop('SIGTERM')).toBe(0);
    const output = grpcServer!.output.join('\n');
    expect(output).not.toMatch(/uncaught|unhandled|health check crashed|Cannot use a pool after calling end/i);
    const messages = grpcServer!.logs.map((line) => line.msg);
    const afterSignal = messages.slice(messages.indexOf('shutting down'));
    expect(afterSignal.filter((message) => String(message).startsWith(FAILED) || String(message).startsWith(RECOVERED))).toEqual([]);
    expect(afterSignal.at(-1)).toBe('stopped');
    expect(await readiness()).toEqual([503, { status: 'UNREACHABLE' }]);
  }, 60_000);
});
