import { heatmapGrid, loadDurationCurve } from './load-shape-data';

const at = (iso: string) => Date.parse(iso);

describe('heatmapGrid', () => {
  it('puts each interval in the cell of its local date and time, empty where none has a value', () => {
    const grid = heatmapGrid(
      { startMs: [at('2019-01-01T00:00:00Z'), at('2019-01-01T23:00:00Z'), at('2019-01-02T05:00:00Z')], power: [1, 2, null] },
      'Europe/Amsterdam',
      60,
    );
    expect(grid.dates).toEqual(['2019-01-01', '2019-01-02']);
    expect(grid.slotsPerDay).toBe(24);
    expect(grid.cells[0]![1]).toBe(1); // 01:00 Amsterdam
    expect(grid.cells[1]![0]).toBe(2); // 00:00 the next local day
    expect(grid.cells[1]![6]).toBeNull(); // the null reading
    expect(grid.cells[0]!.filter((cell) => cell !== null)).toHaveLength(1);
    expect([grid.min, grid.max]).toEqual([1, 2]);
  });

  it('averages the two intervals of a repeated autumn hour and leaves the skipped spring hour empty', () => {
    // 2019-10-27 Amsterdam: 02:00–03:00 happens twice (00:00Z and 01:00Z).
    const autumn = heatmapGrid({ startMs: [at('2019-10-27T00:00:00Z'), at('2019-10-27T01:00:00Z')], power: [4, 6] }, 'Europe/Amsterdam', 60);
    expect(autumn.cells[0]![2]).toBe(5);
    // 2019-03-31 Amsterdam: 02:00 is skipped; the intervals at 01:00Z and 00:00Z are 03:00 and 01:00.
    const spring = heatmapGrid({ startMs: [at('2019-03-31T00:00:00Z'), at('2019-03-31T01:00:00Z')], power: [1, 3] }, 'Europe/Amsterdam', 60);
    expect(spring.cells[0]!.slice(0, 4)).toEqual([null, 1, null, 3]);
  });
});

describe('loadDurationCurve', () => {
  it('sorts the powers from highest to lowest with the share of time at or above each', () => {
    expect(loadDurationCurve([2, null, 5, 1, 5])).toEqual({ sharePercent: [25, 50, 75, 100], power: [5, 5, 2, 1] });
    expect(loadDurationCurve([null])).toEqual({ sharePercent: [], power: [] });
  });
});
