import { status as GrpcCode } from '@grpc/grpc-js';
import { toGrpcStatus } from './errors';
import { Admission, AdmissionBusyError, type Refusal } from './admission';

/** The usage answers' refusal, recording each reason in refusals. */
const usageRefusal =
  (refusals: string[] = []): Refusal =>
  (reason, { inProgress, waiting }) => {
    refusals.push(reason);
    return new AdmissionBusyError('usage answers', inProgress, waiting, reason);
  };

const settled = () => new Promise((resolve) => setImmediate(resolve));

/** Tracks whether a promise has resolved or rejected yet. */
function track<T>(promise: Promise<T>) {
  const state: { value?: T; error?: unknown; done: boolean } = { done: false };
  promise.then(
    (value) => Object.assign(state, { value, done: true }),
    (error: unknown) => Object.assign(state, { error, done: true }),
  );
  return state;
}

describe('Admission', () => {
  afterEach(() => jest.useRealTimers());

  it('admits calls while their costs fit the capacity, and the next one once room is given back', async () => {
    const admission = new Admission({ capacity: 100, queueMax: 10, waitMs: 60_000 }, usageRefusal());
    const first = await admission.admit(60);
    const second = await admission.admit(40);
    const third = track(admission.admit(30));
    await settled();
    expect([admission.inProgressCost, admission.waitingCount, third.done]).toEqual([100, 1, false]);
    second();
    await settled();
    expect([admission.inProgressCost, admission.waitingCount, third.done]).toEqual([90, 0, true]);
    second(); // a second release gives nothing back
    expect(admission.inProgressCost).toBe(90);
    first();
    third.value!();
    expect(admission.inProgressCost).toBe(0);
  });

  it('serves waiters first come first served: a small call does not overtake a big one waiting', async () => {
    const admission = new Admission({ capacity: 100, queueMax: 10, waitMs: 60_000 }, usageRefusal());
    const running = await admission.admit(50);
    const big = track(admission.admit(80));
    const small = track(admission.admit(10));
    await settled();
    expect([big.done, small.done]).toEqual([false, false]);
    running();
    await settled();
    expect([big.done, small.done, admission.inProgressCost]).toEqual([true, true, 90]);
  });

  it('admits a call costing more than the capacity alone, once nothing else runs', async () => {
    const admission = new Admission({ capacity: 100, queueMax: 10, waitMs: 60_000 }, usageRefusal());
    const small = await admission.admit(1);
    const huge = track(admission.admit(1_000_000));
    await settled();
    expect(huge.done).toBe(false);
    small();
    await settled();
    expect([huge.done, admission.inProgressCost]).toEqual([true, 100]);
  });

  it('refuses at once, as busy, when the queue is full, and counts the refusal', async () => {
    const refusals: string[] = [];
    const admission = new Admission({ capacity: 10, queueMax: 1, waitMs: 60_000 }, usageRefusal(refusals));
    const running = await admission.admit(10);
    const waiting = admission.admit(5);
    const refused = await admission.admit(5).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AdmissionBusyError);
    expect((refused as Error).message).toBe(
      'busy: usage answers of 10 buckets are being built and 1 calls are waiting, the most this server takes on at once; retry in a moment',
    );
    expect(refusals).toEqual(['queue_full']);
    // The one translation makes it the busy answer: UNAVAILABLE with retry pushback (HTTP 503 + Retry-After).
    expect(toGrpcStatus(refused)).toEqual({ code: GrpcCode.UNAVAILABLE, message: (refused as Error).message, internal: false, retryAfterMs: 1000 });
    running();
    (await waiting)();
  });

  it('refuses a waiter as busy once its wait budget is spent, and lets the next one in when it fits', async () => {
    jest.useFakeTimers();
    const refusals: string[] = [];
    const admission = new Admission({ capacity: 10, queueMax: 5, waitMs: 500 }, usageRefusal(refusals));
    const running = await admission.admit(8);
    const big = track(admission.admit(10));
    await jest.advanceTimersByTimeAsync(100);
    const small = track(admission.admit(2)); // fits, but waits behind the big one
    await jest.advanceTimersByTimeAsync(399);
    expect([big.done, small.done]).toEqual([false, false]);
    await jest.advanceTimersByTimeAsync(1);
    expect(big.error).toBeInstanceOf(AdmissionBusyError);
    expect(small.done).toBe(true); // the head left: the small one fits now
    expect([refusals, admission.waitingCount, admission.inProgressCost]).toEqual([['wait_timeout'], 0, 10]);
    running();
  });

  it('spreads refusals over the last part of the wait when asked, each waiter at its own point', async () => {
    jest.useFakeTimers();
    const draws = [0, 1, 0.5];
    const refusals: string[] = [];
    const admission = new Admission({ capacity: 10, queueMax: 5, waitMs: 1000, refusalSpread: 0.5, random: () => draws.shift()! }, usageRefusal(refusals));
    const running = await admission.admit(10);
    const [atEnd, atHalf, atThreeQuarters] = [track(admission.admit(1)), track(admission.admit(1)), track(admission.admit(1))];
    await jest.advanceTimersByTimeAsync(499);
    expect([atEnd.done, atHalf.done, atThreeQuarters.done]).toEqual([false, false, false]);
    await jest.advanceTimersByTimeAsync(1);
    expect([atEnd.done, atHalf.done, atThreeQuarters.done]).toEqual([false, true, false]);
    await jest.advanceTimersByTimeAsync(250);
    expect([atEnd.done, atHalf.done, atThreeQuarters.done]).toEqual([false, true, true]);
    await jest.advanceTimersByTimeAsync(250);
    expect([atEnd.error, atHalf.error, atThreeQuarters.error].every((error) => error instanceof AdmissionBusyError)).toBe(true);
    expect(refusals).toEqual(['wait_timeout', 'wait_timeout', 'wait_timeout']);
    running();
  });

  it('drops a waiter whose call is cancelled, rejecting with the reason', async () => {
    const admission = new Admission({ capacity: 10, queueMax: 5, waitMs: 60_000 }, usageRefusal());
    const running = await admission.admit(10);
    const controller = new AbortController();
    const waiting = track(admission.admit(5, controller.signal));
    await settled();
    controller.abort(new Error('cancelled by the client'));
    await settled();
    expect((waiting.error as Error).message).toBe('cancelled by the client');
    expect(admission.waitingCount).toBe(0);
    running();
    expect(admission.inProgressCost).toBe(0);
  });
});
