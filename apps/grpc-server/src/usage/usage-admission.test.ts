import { BucketWidth, Quantity, type AggregateUsageRequest } from '@meterusage/contracts';
import { explicitBucketCount, mostBuckets } from './usage-admission';

const QUARTER_HOUR_MS = 900_000;
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
    expect(explicitBucketCount(request('2019-01-01T00:00:00Z', '2020-01-01T00:00:00Z'), QUARTER_HOUR_MS)).toBe(35_041);
  });

  it('leaves to the handler (undefined) a range with a bound missing, reversed, invalid, or beyond 100,000 buckets', () => {
    expect(explicitBucketCount(request('2019-01-01T00:00:00Z'), QUARTER_HOUR_MS)).toBeUndefined();
    expect(explicitBucketCount(request(undefined, '2019-01-01T00:00:00Z'), QUARTER_HOUR_MS)).toBeUndefined();
    expect(explicitBucketCount(request('2019-01-02T00:00:00Z', '2019-01-01T00:00:00Z'), QUARTER_HOUR_MS)).toBeUndefined();
    expect(explicitBucketCount({ ...request(), startTime: new Date(Number.NaN), endTime: new Date(0) }, QUARTER_HOUR_MS)).toBeUndefined();
    expect(explicitBucketCount(request('2019-01-01T00:00:00Z', '2023-01-01T00:00:00Z'), QUARTER_HOUR_MS)).toBeUndefined();
  });
});
