import fc from 'fast-check';
import { FreshReads } from './fresh-reads';

// A model of the store: a counter bumped by writes; a read returns the counter as it was when the
// read started. Requests and writes interleave as fast-check schedules them; every request must
// get a value at least the counter at its arrival, and reads in flight per key stay at most one.

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('FreshReads', () => {
  it('gives every request a read that started after it arrived, sharing reads among those waiting', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.array(fc.constantFrom('request', 'write'), { minLength: 1, maxLength: 40 }), async (s, steps) => {
        const reads = new FreshReads<number>();
        let counter = 0;
        let started = 0;
        let concurrent = 0;
        let mostConcurrent = 0;
        const read = () => {
          started += 1;
          concurrent += 1;
          mostConcurrent = Math.max(mostConcurrent, concurrent);
          const seen = counter; // the value as of the read's start
          return s.schedule(Promise.resolve(seen)).finally(() => (concurrent -= 1));
        };
        const outcomes: Promise<void>[] = [];
        let requests = 0;
        for (const step of steps) {
          if (step === 'write') counter += 1;
          else {
            requests += 1;
            const atArrival = counter;
            outcomes.push(reads.read('meter-1', read).then((value) => expect(value).toBeGreaterThanOrEqual(atArrival)));
          }
          // Let some scheduled reads finish between steps, in an order fast-check picks.
          if (s.count() > 0) await s.waitOne();
        }
        await s.waitFor(Promise.all(outcomes));
        expect(mostConcurrent).toBeLessThanOrEqual(1);
        expect(started).toBeLessThanOrEqual(requests);
        expect(reads.inFlight).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('shares one read among the requests that arrived while another ran, and keeps keys apart', async () => {
    const reads = new FreshReads<string>();
    const releases: (() => void)[] = [];
    let calls = 0;
    const read = (value: string) => () => {
      calls += 1;
      return new Promise<string>((resolve) => releases.push(() => resolve(value)));
    };
    const first = reads.read('a', read('first'));
    const second = reads.read('a', read('second'));
    const third = reads.read('a', read('third'));
    const other = reads.read('b', read('other'));
    await tick(); // reads start in a promise
    expect(calls).toBe(2); // 'a' once, 'b' once; second and third wait for the next read of 'a'
    releases.shift()!(); // the first read of 'a' ends: the next one starts, made by the second request
    expect(await first).toBe('first');
    await tick();
    expect(calls).toBe(3);
    releases.shift()!(); // 'b'
    releases.shift()!(); // the shared second read of 'a'
    expect([await second, await third, await other]).toEqual(['second', 'second', 'other']);
    expect(reads.inFlight).toBe(0);
  });

  it('hands a failed read to everyone who shared it, and the next read is fresh', async () => {
    const reads = new FreshReads<number>();
    let fail = true;
    const read = () => (fail ? Promise.reject(new Error('unreachable')) : Promise.resolve(7));
    await expect(reads.read('a', read)).rejects.toThrow('unreachable');
    // A read that throws at once is a rejection too, for the first request and those sharing the next read.
    const throwing = () => {
      throw new Error('no metadata');
    };
    const settled = await Promise.allSettled([reads.read('b', throwing), reads.read('b', throwing)]);
    expect(settled.map((outcome) => outcome.status === 'rejected' && (outcome.reason as Error).message)).toEqual(['no metadata', 'no metadata']);
    expect(reads.inFlight).toBe(0);
    fail = false;
    await expect(reads.read('a', read)).resolves.toBe(7);
  });
});
