// The data of the heatmap and the load-duration curve, from the meter's intervals as average power
// (GET /api/usage?quantity=power with buckets one interval wide, as columns). Pure, so every rule
// is tested without a page.
import { startOfCalendarUnit, wallClockAt } from '@meterusage/time';

const DAY_MS = 86_400_000;

/** Intervals as average power: bucket i starts at startMs[i]; power[i] is null when it has no reading. */
export interface IntervalPowers {
  startMs: number[];
  power: Array<number | null>;
}

/** Rows are local dates, columns times of day; a cell is null when no interval there has a value. */
export interface HeatmapGrid {
  /** Local dates, "YYYY-MM-DD", every date from the first interval's to the last's. */
  dates: string[];
  /** Columns per day: 24 h divided by the interval (96 for 15 minutes). */
  slotsPerDay: number;
  slotMinutes: number;
  /** cells[row][column]: the mean power of the intervals starting at that local date and time. */
  cells: Array<Array<number | null>>;
  min: number | undefined;
  max: number | undefined;
}

/**
 * The heatmap of intervals of `intervalMinutes` in timeZone. An interval goes in the cell of its
 * local start; the hour an autumn DST change repeats puts two intervals in one cell (their mean:
 * the colour stays a power), the hour a spring change skips leaves its cells empty.
 */
export function heatmapGrid(intervals: IntervalPowers, timeZone: string, intervalMinutes: number): HeatmapGrid {
  const slotMinutes = Math.max(1, intervalMinutes);
  const slotsPerDay = Math.floor((24 * 60) / slotMinutes);
  const length = intervals.startMs.length;
  if (length === 0) return { dates: [], slotsPerDay, slotMinutes, cells: [], min: undefined, max: undefined };
  const firstDay = startOfCalendarUnit('day', wallClockAt(intervals.startMs[0]!, timeZone));
  const lastDay = startOfCalendarUnit('day', wallClockAt(intervals.startMs[length - 1]!, timeZone));
  const rows = Math.round((lastDay - firstDay) / DAY_MS) + 1;
  const sums = Array.from({ length: rows }, () => new Array<number>(slotsPerDay).fill(0));
  const counts = Array.from({ length: rows }, () => new Array<number>(slotsPerDay).fill(0));
  for (let i = 0; i < length; i++) {
    const value = intervals.power[i];
    if (value === null || value === undefined) continue;
    const wall = wallClockAt(intervals.startMs[i]!, timeZone);
    const day = startOfCalendarUnit('day', wall);
    const row = Math.round((day - firstDay) / DAY_MS);
    const slot = Math.floor((wall - day) / (slotMinutes * 60_000));
    sums[row]![slot]! += value;
    counts[row]![slot]! += 1;
  }
  let min: number | undefined;
  let max: number | undefined;
  const cells = sums.map((row, r) =>
    row.map((sum, s) => {
      const count = counts[r]![s]!;
      if (count === 0) return null;
      const mean = sum / count;
      if (min === undefined || mean < min) min = mean;
      if (max === undefined || mean > max) max = mean;
      return mean;
    }),
  );
  const dates = Array.from({ length: rows }, (_, row) => new Date(firstDay + row * DAY_MS).toISOString().slice(0, 10));
  return { dates, slotsPerDay, slotMinutes, cells, min, max };
}

/**
 * The load-duration curve: the interval powers from highest to lowest, each with the share of
 * the intervals (in %) whose power is at least that high. Intervals without a value are left out.
 */
export function loadDurationCurve(power: ReadonlyArray<number | null>): { sharePercent: number[]; power: number[] } {
  const values = power.filter((value): value is number => typeof value === 'number').sort((a, b) => b - a);
  return { sharePercent: values.map((_, index) => ((index + 1) / values.length) * 100), power: values };
}
