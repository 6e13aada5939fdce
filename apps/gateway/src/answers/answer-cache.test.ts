import fc from 'fast-check';
import { AnswerCache, type CachedAnswer } from './answer-cache';

const answer = (meterId: string, dataVersion: number, bytes: number): CachedAnswer => ({
  meterId,
  dataVersion,
  contentType: 'application/json',
  body: Buffer.alloc(bytes, dataVersion),
});

describe('AnswerCache', () => {
  it('gives back an answer only for its meter and version, and never trades a newer one for an older', () => {
    const cache = new AnswerCache(1000);
    cache.set('/a', answer('m', 5, 10));
    expect(cache.get('/a', 'm', 5)?.dataVersion).toBe(5);
    expect(cache.get('/a', 'm', 4)).toBeUndefined(); // a request that read the version before the write
    expect(cache.get('/a', 'm', 5)?.dataVersion).toBe(5); // ...leaves the newer answer in place
    cache.set('/a', answer('m', 4, 10)); // a slow request finishing late
    expect(cache.get('/a', 'm', 5)?.dataVersion).toBe(5);
    expect(cache.get('/a', 'm', 6)).toBeUndefined(); // outdated: dropped
    expect(cache.size).toBe(0);
    cache.set('/a', answer('other', 1, 10)); // the URL now names another meter (a new default)
    expect(cache.get('/a', 'other', 1)?.meterId).toBe('other');
  });

  it("keeps a body that is a view of a larger buffer (Node's pool) in memory of its own, and counts URL and entry", () => {
    const cache = new AnswerCache(100_000);
    const pooled = Buffer.from('{"a":1}', 'utf8');
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.length); // the premise: a view of the pool
    cache.set('/a', { meterId: 'm', dataVersion: 1, contentType: 'application/json', body: pooled });
    const kept = cache.get('/a', 'm', 1)!.body;
    expect([kept.toString('utf8'), kept.buffer.byteLength, kept.byteOffset]).toEqual(['{"a":1}', 7, 0]);
    expect(cache.size).toBe(7 + 2 * '/a'.length + 256);
  });

  it('keeps nothing over an eighth of its budget, and nothing at all with a budget of 0', () => {
    const cache = new AnswerCache(800);
    cache.set('/big', answer('m', 1, 101));
    expect(cache.get('/big', 'm', 1)).toBeUndefined();
    const none = new AnswerCache(0);
    none.set('/a', answer('m', 1, 1));
    expect(none.get('/a', 'm', 1)).toBeUndefined();
  });

  // Model: the answers kept are the most recently used ones that fit the budget; every get of a
  // kept URL at its version finds it; the bytes never exceed the budget.
  it('stays within its budget, evicting the least recently used first (generated operations)', () => {
    const operation = fc.oneof(
      fc.record({
        op: fc.constant('set' as const),
        url: fc.integer({ min: 0, max: 9 }),
        version: fc.integer({ min: 1, max: 3 }),
        bytes: fc.integer({ min: 0, max: 560 }),
      }),
      fc.record({ op: fc.constant('get' as const), url: fc.integer({ min: 0, max: 9 }), version: fc.integer({ min: 1, max: 3 }) }),
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
        const budget = 4000;
        const cost = (url: number, bytes: number) => bytes + 2 * `/${url}`.length + 256;
        const cache = new AnswerCache(budget);
        const model = new Map<number, { version: number; bytes: number }>(); // in recency order
        for (const step of operations) {
          const kept = model.get(step.url);
          if (step.op === 'get') {
            const found = cache.get(`/${step.url}`, 'm', step.version);
            expect(found === undefined ? undefined : found.dataVersion).toBe(kept?.version === step.version ? step.version : undefined);
            if (kept !== undefined && kept.version === step.version) {
              model.delete(step.url);
              model.set(step.url, kept);
            } else if (kept !== undefined && kept.version < step.version) model.delete(step.url);
            continue;
          }
          cache.set(`/${step.url}`, answer('m', step.version, step.bytes));
          if (step.bytes > budget / 8 || (kept !== undefined && kept.version > step.version)) continue;
          model.delete(step.url);
          model.set(step.url, { version: step.version, bytes: step.bytes });
          let total = [...model].reduce((sum, [url, entry]) => sum + cost(url, entry.bytes), 0);
          for (const [url, entry] of model) {
            if (total <= budget) break;
            model.delete(url);
            total -= cost(url, entry.bytes);
          }
          expect(cache.size).toBe(total);
          expect(cache.size).toBeLessThanOrEqual(budget);
        }
      }),
    );
  });
});
