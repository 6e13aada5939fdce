import { bucketBoundaries, type BucketWidthName } from '@meterusage/time';
import { chooseAggregateSource } from './aggregate-source';

const year = { startMs: Date.parse('2019-01-01T00:00:00Z'), endMs: Date.parse('2020-01-01T00:00:00Z') };

// The cuts the handler gives the chooser: the range's ends and the boundaries between its buckets.
function choose(width: BucketWidthName, timeZone: string, range = year, change: { rollupAvailable?: boolean; intervalSeconds?: number } = {}) {
  const bounds = bucketBoundaries(timeZone, width, range.startMs, range.endMs);
  return chooseAggregateSource({
    rollupAvailable: true,
    intervalSeconds: 900,
    ...change,
    cutsMs: [range.startMs, ...bounds.slice(1, -1), range.endMs],
  });
}

describe('chooseAggregateSource', () => {
  it('uses the hourly rollup when every cut is on a whole UTC hour', () => {
    expect(choose('day', 'Europe/Amsterdam')).toBe('hourly-rollup');
    expect(choose('hour', 'UTC')).toBe('hourly-rollup');
    expect(choose('month', 'Europe/Amsterdam')).toBe('hourly-rollup');
    // Lord Howe Island keeps +11 from October to April: its December days start on whole UTC hours.
    expect(choose('day', 'Australia/Lord_Howe', { startMs: Date.parse('2019-12-01T13:00:00Z'), endMs: Date.parse('2020-01-01T13:00:00Z') })).toBe(
      'hourly-rollup',
    );
  });

  it.each([
    ['no rollup (plain PostgreSQL)', () => choose('day', 'Europe/Amsterdam', year, { rollupAvailable: false })],
    ['15-minute buckets off the hour', () => choose('15m', 'UTC')],
    ['a range starting mid-hour', () => choose('day', 'UTC', { ...year, startMs: year.startMs + 900_000 })],
    ['a range ending mid-hour', () => choose('day', 'UTC', { ...year, endMs: year.endMs - 900_000 })],
    ['a half-hour zone', () => choose('day', 'Asia/Kolkata')],
    ['a quarter-hour zone', () => choose('hour', 'Asia/Kathmandu')],
    // 2019-04-07: +11 → +10:30, so the day after starts at 13:30 UTC and one hour bucket is 30 minutes.
    [
      'a 30-minute DST change inside the range',
      () => choose('hour', 'Australia/Lord_Howe', { startMs: Date.parse('2019-04-06T00:00:00Z'), endMs: Date.parse('2019-04-07T00:00:00Z') }),
    ],
    ['intervals that straddle hours', () => choose('day', 'UTC', year, { intervalSeconds: 5400 })],
  ])('reads the readings with %s', (_reason, chosen) => {
    expect(chosen()).toBe('readings');
  });
});
