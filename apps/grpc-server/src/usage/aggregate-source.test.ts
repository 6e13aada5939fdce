import { chooseAggregateSource } from './aggregate-source';

const year = { startMs: Date.parse('2019-01-01T00:00:00Z'), endMs: Date.parse('2020-01-01T00:00:00Z') };
const base = { rollupAvailable: true, width: 'day' as const, range: year, timeZone: 'Europe/Amsterdam', intervalSeconds: 900 };

describe('chooseAggregateSource', () => {
  it('uses the hourly rollup for hour-aligned ranges in whole-hour zones', () => {
    expect(chooseAggregateSource(base)).toBe('hourly-rollup');
    expect(chooseAggregateSource({ ...base, width: 'hour', timeZone: 'UTC' })).toBe('hourly-rollup');
    expect(chooseAggregateSource({ ...base, width: 'month' })).toBe('hourly-rollup');
  });

  it.each([
    ['no rollup (plain PostgreSQL)', { rollupAvailable: false }],
    ['15-minute buckets', { width: '15m' as const }],
    ['a range starting mid-hour', { range: { ...year, startMs: year.startMs + 900_000 } }],
    ['a range ending mid-hour', { range: { ...year, endMs: year.endMs - 900_000 } }],
    ['a half-hour zone', { timeZone: 'Asia/Kolkata' }],
    ['intervals that straddle hours', { intervalSeconds: 5400 }],
  ])('reads the readings with %s', (_reason, change) => {
    expect(chooseAggregateSource({ ...base, ...change })).toBe('readings');
  });
});
