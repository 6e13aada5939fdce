import { Client } from 'pg';
import type { FastifyInstance } from 'fastify';
import { counterTotal, prometheusPortOf, waitUntil, type AppProcess, type ScratchCluster } from '@meterusage/testing';
import { startScratchStack, stopScratchStack } from './support';

// A tiny pool (3 connections), a short wait budget and a small queue; the three connections are
// held by queries blocked on a lock this test takes, so every other call finds the pool busy.
const POOL_MAX_CONN = 3;
const POOL_QUEUE_MAX = 4;
const CALLS = 24;
const BUSY = /^busy: all 3 database connections are in use and \d+ calls are waiting; retry in a moment$/;

describe('faults: overload is answered busy (503 + Retry-After), not as an outage', () => {
  let cluster: ScratchCluster | undefined;
  let grpcServer: (AppProcess & { port: number }) | undefined;
  let gateway: { app: FastifyInstance; baseUrl: string } | undefined;

  beforeAll(async () => {
    ({ cluster, grpcServer, gateway } = await startScratchStack('faults-overload', {
      DB_POOL_MIN_CONN: '0',
      DB_POOL_MAX_CONN: String(POOL_MAX_CONN),
      MAX_CONCURRENT_EXPORTS: '1',
      MAX_CONCURRENT_UPLOADS: '1',
      DB_POOL_WAIT_MS: '300',
      DB_POOL_QUEUE_MAX: String(POOL_QUEUE_MAX),
      DB_HEALTH_INTERVAL_MS: '200',
    }));
  }, 120_000);

  afterAll(() => stopScratchStack({ cluster, grpcServer, gateway }));

  const busyCount = () => counterTotal(prometheusPortOf(grpcServer!)!, /^meterusage_db_pool_busy_total$/);

  it('answers every call 200 or 503 busy with Retry-After, counts the busy ones, and /readyz stays 200', async () => {
    const busyBefore = await busyCount();
    const locker = new Client({ connectionString: cluster!.url(), application_name: 'fault-test-locker' });
    await locker.connect();
    let answers: { status: number; retryAfter: string | null; body: { error?: { code: string; message: string } } }[] = [];
    try {
      // Every query on readings now waits for this lock, holding its pool connection.
      await locker.query('begin');
      await locker.query('lock table readings in access exclusive mode');
      const calls = Array.from({ length: CALLS }, async () => {
        const response = await fetch(`${gateway!.baseUrl}/api/summary`);
        return {
          status: response.status,
          retryAfter: response.headers.get('retry-after'),
          body: (await response.json()) as { error?: { code: string; message: string } },
        };
      });
      const settled: (typeof answers)[number][] = [];
      for (const call of calls) void call.then((answer) => settled.push(answer));
      // Three calls hold the connections; every other one is refused (queue full, or its wait ran out).
      await waitUntil('every call but the three holding a connection answered', () => settled.length === CALLS - POOL_MAX_CONN, {
        timeoutMs: 30_000,
        intervalMs: 50,
      });
      // Health checks found the pool busy meanwhile: busy is not down.
      const readiness = await fetch(`${gateway!.baseUrl}/readyz`);
      expect([readiness.status, await readiness.json()]).toEqual([200, { status: 'SERVING' }]);
      await locker.query('rollback');
      answers = await Promise.all(calls);
    } finally {
      await locker.end();
    }

    const ok = answers.filter((answer) => answer.status === 200);
    const busy = answers.filter((answer) => answer.status === 503);
    expect(ok).toHaveLength(POOL_MAX_CONN);
    expect(busy).toHaveLength(CALLS - POOL_MAX_CONN);
    for (const answer of busy) {
      expect(answer.retryAfter).toBe('1');
      expect(answer.body.error?.code).toBe('UNAVAILABLE');
      expect(answer.body.error?.message).toMatch(BUSY);
    }
    // At least: health checks that found the pool busy count too.
    expect(await busyCount()).toBeGreaterThanOrEqual(busyBefore + CALLS - POOL_MAX_CONN);
    expect(grpcServer!.logs.filter((line) => String(line.msg).startsWith('database check failed'))).toEqual([]);
  }, 120_000);

  it('still answers "the database is unavailable" when the database is down, without Retry-After of a busy server', async () => {
    await cluster!.stop('immediate');
    const response = await fetch(`${gateway!.baseUrl}/api/summary`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: { code: 'UNAVAILABLE', message: 'the database is unavailable; retry shortly' } });
    expect(response.headers.get('retry-after')).toBeNull();
  }, 120_000);
});
