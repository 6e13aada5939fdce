import { expectedIntervals } from './intervals';

const QUARTER = 900_000;
const at = (iso: string) => Date.parse(iso);

describe('expectedIntervals', () => {
  it('counts 96 quarter-hours in a UTC day and 2,976 in January', () => {
    expect(expectedIntervals(at('2019-01-01T00:00:00Z'), at('2019-01-02T00:00:00Z'), QUARTER)).toBe(96);
    expect(expectedIntervals(at('2019-01-01T00:00:00Z'), at('2019-02-01T00:00:00Z'), QUARTER)).toBe(2976);
  });

  it('counts 92 and 100 quarter-hours on the Amsterdam DST change days', () => {
    expect(expectedIntervals(at('2019-03-30T23:00:00Z'), at('2019-03-31T22:00:00Z'), QUARTER)).toBe(92);
    expect(expectedIntervals(at('2019-10-26T22:00:00Z'), at('2019-10-27T23:00:00Z'), QUARTER)).toBe(100);
  });

  it('counts only grid points inside a range that starts or ends off the grid', () => {
    expect(expectedIntervals(at('2019-01-01T00:05:00Z'), at('2019-01-01T00:31:00Z'), QUARTER)).toBe(2); // 00:15, 00:30
    expect(expectedIntervals(at('2019-01-01T00:00:00Z'), at('2019-01-01T00:00:00.001Z'), QUARTER)).toBe(1);
    expect(expectedIntervals(at('2019-01-01T00:01:00Z'), at('2019-01-01T00:14:00Z'), QUARTER)).toBe(0);
  });

  it('is zero for an empty or inverted span', () => {
    expect(expectedIntervals(5, 5, QUARTER)).toBe(0);
    expect(expectedIntervals(10, 5, QUARTER)).toBe(0);
  });
});
