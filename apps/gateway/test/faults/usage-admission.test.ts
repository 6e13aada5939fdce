import { Client } from 'pg';
import type { FastifyInstance } from 'fastify';
import { counterTotal, prometheusPortOf, waitUntil, type AppProcess, type ScratchCluster } from '@meterusage/testing';
import { startScratchStack, stopScratchStack } from './support';

// grpc-server admits AggregateUsage answers by their buckets (USAGE_ADMISSION_*). Here the room is
// 3,000 buckets and the queue one call long: a month in 15-minute buckets (at most 2,977) fits
// once. The admitted call's query waits on a lock this test holds, so it keeps its room, the next
// call waits in the queue, and every other call is refused as busy at once.
const ADMISSION_BUCKETS = 3000;
const CALLS = 8;
const MONTH_BY_15M = '/api/usage?meter=meter-1&from=2019-01-01T00:00:00Z&to=2019-02-01T00:00:00Z&bucket=15m';
const BUSY = /^busy: usage answers of 2,977 buckets are being built and 1 calls are waiting, the most this server takes on at once; retry in a moment$/;

interface Answer {
  status: number;
  retryAfter: string | null;
  body: string;
}

describe('faults: heavy usage answers beyond the admission are refused busy (503 + Retry-After)', () => {
  let cluster: ScratchCluster | undefined;
  let grpcServer: (AppProcess & { port: number }) | undefined;
  let gateway: { app: FastifyInstance; baseUrl: string } | undefined;

  beforeAll(async () => {
    // The same request again and again: without the gateway's answer cache, so each reaches grpc-server's admission.
    ({ cluster, grpcServer, gateway } = await startScratchStack(
      'faults-usage-admission',
      { USAGE_ADMISSION_BUCKETS: String(ADMISSION_BUCKETS), USAGE_ADMISSION_QUEUE_MAX: '1', USAGE_ADMISSION_WAIT_MS: '60000' },
      { answerCacheMaxBytes: 0 },
    ));
  }, 120_000);

  afterAll(() => stopScratchStack({ cluster, grpcServer, gateway }));

  const admissionBusy = () => counterTotal(prometheusPortOf(grpcServer!)!, /^meterusage_usage_admission_busy_total$/, /reason="queue_full"/);

  const get = async (path: string): Promise<Answer> => {
    const response = await fetch(`${gateway!.baseUrl}${path}`);
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.text() };
  };

  it('answers the admitted and the queued call 200 with the full answer, refuses the rest as busy at once, and probes stay 200', async () => {
    const expected = await get(MONTH_BY_15M);
    expect(expected.status).toBe(200);
    expect((JSON.parse(expected.body) as { buckets: unknown[] }).buckets).toHaveLength(2976);
    const busyBefore = await admissionBusy();

    const locker = new Client({ connectionString: cluster!.url(), application_name: 'fault-test-locker' });
    await locker.connect();
    let answers: Answer[];
    try {
      // The admitted call's aggregate query now waits for this lock, holding its admission.
      await locker.query('begin');
      await locker.query('lock table readings in access exclusive mode');
      const calls = Array.from({ length: CALLS }, () => get(MONTH_BY_15M));
      const settled: Answer[] = [];
      for (const call of calls) void call.then((answer) => settled.push(answer));
      await waitUntil('every call but the admitted and the queued one answered', () => settled.length === CALLS - 2, { timeoutMs: 60_000, intervalMs: 50 });
      // Probes do not wait behind the admission (or the locked query).
      expect((await get('/healthz')).status).toBe(200);
      expect([(await get('/readyz')).status, settled.length]).toEqual([200, CALLS - 2]);
      await locker.query('rollback');
      answers = await Promise.all(calls);
    } finally {
      await locker.end();
    }

    const ok = answers.filter((answer) => answer.status === 200);
    const busy = answers.filter((answer) => answer.status === 503);
    expect([ok.length, busy.length]).toEqual([2, CALLS - 2]);
    for (const answer of ok) expect(answer.body).toBe(expected.body);
    for (const answer of busy) {
      expect(answer.retryAfter).toBe('1');
      const { error } = JSON.parse(answer.body) as { error: { code: string; message: string } };
      expect(error.code).toBe('UNAVAILABLE');
      expect(error.message).toMatch(BUSY);
    }
    expect(await admissionBusy()).toBe(busyBefore + CALLS - 2);
    // Refusals and waits are not faults: nothing logged as an error.
    expect(grpcServer!.logs.filter((line) => typeof line.level === 'number' && line.level >= 50)).toEqual([]);
  }, 120_000);

  it('admits a call without a range once its range is known, and gives the same buckets as with the range spelled out', async () => {
    const whole = await get('/api/usage?meter=meter-1&bucket=day');
    expect(whole.status).toBe(200);
    const { buckets } = JSON.parse(whole.body) as { buckets: { start: string; end: string }[] };
    expect(buckets.length).toBeGreaterThan(0);
    const spelled = await get(`/api/usage?meter=meter-1&bucket=day&from=${buckets[0]!.start}&to=${buckets.at(-1)!.end}`);
    expect(spelled.status).toBe(200);
    expect((JSON.parse(spelled.body) as { buckets: unknown[] }).buckets).toEqual(buckets);
  }, 60_000);
});
