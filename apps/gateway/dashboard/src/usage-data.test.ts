import { bucketIndexAt, toUsageColumns } from './usage-data';

const body = {
  unit: 'kWh',
  timeZone: 'UTC',
  // 00:00-01:00 complete, 01:00-02:00 without readings, 02:00-02:30 partly missing and cut by the range.
  columns: {
    startMs: [Date.parse('2019-01-01T00:00:00Z'), Date.parse('2019-01-01T01:00:00Z'), Date.parse('2019-01-01T02:00:00Z')],
    endMs: [Date.parse('2019-01-01T01:00:00Z'), Date.parse('2019-01-01T02:00:00Z'), Date.parse('2019-01-01T02:30:00Z')],
    sum: [1.5, null, 0.25],
    presentCount: [4, 0, 1],
    expectedCount: [4, 4, 2],
    clipped: [false, false, true],
  },
};

describe('toUsageColumns', () => {
  it('reads the columns: a bucket without readings is null, never zero, even when a sum is given', () => {
    const columns = toUsageColumns(body);
    expect(columns.length).toBe(3);
    expect(columns.startSec).toEqual([1546300800, 1546304400, 1546308000]);
    expect(columns.sums).toEqual([1.5, null, 0.25]);
    expect(toUsageColumns({ ...body, columns: { ...body.columns, sum: [1.5, 0, 0.25] } }).sums).toEqual([1.5, null, 0.25]);
    expect([columns.missingIdxs, columns.partialIdxs, columns.clippedIdxs]).toEqual([[1], [2], [2]]);
  });

  it('reads the estimated and edited counts, zero for a body from before they were counted', () => {
    const counted = toUsageColumns({ ...body, columns: { ...body.columns, estimatedCount: [1, 0, 1], editedCount: [2, 0, 0] } });
    expect([counted.estimated, counted.edited]).toEqual([
      [1, 0, 1],
      [2, 0, 0],
    ]);
    expect([toUsageColumns(body).estimated, toUsageColumns(body).edited]).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
  });

  it('copes with a body without buckets', () => {
    expect(toUsageColumns(undefined)).toMatchObject({ length: 0, unit: '', timeZone: 'UTC' });
  });
});

describe('bucketIndexAt', () => {
  it('finds the bucket holding an instant, -1 outside the data', () => {
    const columns = toUsageColumns(body);
    expect(bucketIndexAt(columns, 1546300800)).toBe(0);
    expect(bucketIndexAt(columns, 1546304399)).toBe(0);
    expect(bucketIndexAt(columns, 1546304400)).toBe(1);
    expect(bucketIndexAt(columns, 1546309800)).toBe(-1);
    expect(bucketIndexAt(columns, 1546300799)).toBe(-1);
  });
});
