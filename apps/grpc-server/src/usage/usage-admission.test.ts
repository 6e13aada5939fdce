import { BucketWidth, Quantity, type AggregateUsageRequest } from '@meterusage/contracts';
import { bucketBoundaries } from '@meterusage/time';
import fc from 'fast-check';
import { MAX_BUCKETS, planBuckets } from './bucket-plan';
import { WIDTHS } from './bucket-widths';
import { certainlyTooManyBuckets, explicitBucketCount, mostBuckets } from './usage-admission';

const QUARTER_HOUR_MS = 900_000;
const QUARTER_HOURS = WIDTHS[BucketWidth.BUCKET_WIDTH_15_MINUTES]!;
const request = (start?: string, end?: string): AggregateUsageRequest => ({
  meterId: 'meter-1',
  bucketWidth: BucketWidth.BUCKET_WIDTH_15_MINUTES,
  timeZone: 'UTC',
  startTime: start === undefined ? undefined : new Date(start),
  endTime: end === undefined ? undefined : new Date(end),
  quantity: Quantity.QUANTITY_ENERGY,
});

describe('usage admission cost', () => {
  it('costs a range the most buckets it can give: a year by 15 minutes is 35,041 at most (35,040 exactly)', () => {
    expect(mostBuckets({ startMs: Date.parse('2019-01-01T00:00:00Z'), endMs: Date.parse('2020-01-01T00:00:00Z') }, QUARTER_HOUR_MS)).toBe(35_041);
    expect(explicitBucketCount(request('2019-01-01T00:00:00Z', '2020-01-01T00:00:00Z'), QUARTER_HOURS)).toBe(35_041);
  });

  it('leaves to the handler (undefined) a range with a bound missing, reversed, invalid, or beyond 100,000 buckets', () => {
    expect(explicitBucketCount(request('2019-01-01T00:00:00Z'), QUARTER_HOURS)).toBeUndefined();
    expect(explicitBucketCount(request(undefined, '2019-01-01T00:00:00Z'), QUARTER_HOURS)).toBeUndefined();
    expect(explicitBucketCount(request('2019-01-02T00:00:00Z', '2019-01-01T00:00:00Z'), QUARTER_HOURS)).toBeUndefined();
    expect(explicitBucketCount({ ...request(), startTime: new Date(Number.NaN), endTime: new Date(0) }, QUARTER_HOURS)).toBeUndefined();
    expect(explicitBucketCount(request('2019-01-01T00:00:00Z', '2023-01-01T00:00:00Z'), QUARTER_HOURS)).toBeUndefined();
  });

  it('costs the largest admitted range the limit, not one more', () => {
    expect(explicitBucketCount(request('2019-01-01T00:00:00Z', '2021-11-07T16:00:00Z'), QUARTER_HOURS)).toBe(MAX_BUCKETS);
  });
});

// The handler's decision: refused before counting when certainly too many, else counted exactly.
const admits = (range: { startMs: number; endMs: number }, width: (typeof WIDTHS)[BucketWidth], timeZone: string) => {
  if (certainlyTooManyBuckets(range, width!)) return false;
  try {
    planBuckets(range, { start: true, end: true }, width!.name, timeZone);
    return true;
  } catch {
    return false;
  }
};

describe('the bucket limit', () => {
  it('admits a range exactly when it gives at most 100,000 buckets, in any width and zone', () => {
    const widths = [BucketWidth.BUCKET_WIDTH_15_MINUTES, BucketWidth.BUCKET_WIDTH_HOUR, BucketWidth.BUCKET_WIDTH_DAY];
    fc.assert(
      fc.property(
        fc.constantFrom(...widths),
        fc.constantFrom('UTC', 'Europe/Amsterdam', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu'),
        fc.integer({ min: Date.parse('1700-01-01T00:00:00Z') / 1000, max: Date.parse('2030-01-01T00:00:00Z') / 1000 }),
        fc.constantFrom(0, 1, 1800, 3600),
        fc.integer({ min: -3, max: 3 }).chain((near) => fc.constantFrom(near, near + 20_000, near + 100_000)),
        fc.integer({ min: -1800, max: 1800 }),
        (bucketWidth, timeZone, startS, alignS, extraBuckets, jitterS) => {
          const width = WIDTHS[bucketWidth]!;
          // Start on a bucket edge or a little off it; end about MAX_BUCKETS buckets later.
          const startMs = (Math.floor(startS / 3600) * 3600 + alignS) * 1000;
          const endMs = startMs + (MAX_BUCKETS + extraBuckets) * width.minLengthMs + (width.name === '15m' ? 0 : jitterS * 1000);
          const range = { startMs, endMs };
          const count = bucketBoundaries(timeZone, width.name, startMs, endMs).length - 1;
          expect({ count, admitted: admits(range, width, timeZone) }).toEqual({ count, admitted: count <= MAX_BUCKETS });
          // What passes the early guard is counted exactly; that count stays near the limit (days of 23 to 25 hours).
          if (!certainlyTooManyBuckets(range, width)) expect(count).toBeLessThanOrEqual(MAX_BUCKETS * 1.1);
        },
      ),
      { numRuns: 30 },
    );
  });
});
