// /api/usage's buckets (asked for as columns) in the shape uPlot draws and the table pages
// through, completed in one pass (a year of 15-minute buckets is 35,040 of them).
import type { UsageBody } from './api';

/**
 * `sums[i]` is null when the bucket holds no reading at all: a gap, never a zero. `clipped[i]`:
 * the range cuts the bucket, so its sum and counts cover only the part inside the range.
 */
export interface UsageColumns {
  unit: string;
  timeZone: string;
  length: number;
  /** Bucket starts in epoch seconds (uPlot's time unit). */
  startSec: number[];
  endMs: number[];
  sums: Array<number | null>;
  present: number[];
  expected: number[];
  clipped: boolean[];
  /** Of present[i], how many values are estimated, and how many edited by hand. */
  estimated: number[];
  edited: number[];
  missingIdxs: number[];
  partialIdxs: number[];
  clippedIdxs: number[];
  /** With a comparison: the compared period's sum at each bucket's position (null: no counterpart, or no reading there). */
  comparison?: { name: string; sums: Array<number | null> };
}

export function toUsageColumns(body: UsageBody | undefined): UsageColumns {
  const given = body?.columns ?? {};
  const startMs = given.startMs ?? [];
  const length = startMs.length;
  const column = <T>(values: T[] | undefined, fallback: T): T[] => (values?.length === length ? values : new Array<T>(length).fill(fallback));
  const endMs = column(given.endMs, Number.NaN);
  const sum = column<number | null>(given.sum, null);
  const present = column(given.presentCount, 0);
  const expected = column(given.expectedCount, 0);
  const clipped = column(given.clipped, false);
  const estimated = column(given.estimatedCount, 0);
  const edited = column(given.editedCount, 0);
  const columns: UsageColumns = {
    unit: body?.unit ?? '',
    timeZone: body?.timeZone ?? 'UTC',
    length,
    startSec: new Array<number>(length),
    endMs,
    sums: new Array<number | null>(length),
    present,
    expected,
    clipped,
    estimated,
    edited,
    missingIdxs: [],
    partialIdxs: [],
    clippedIdxs: [],
  };
  const compared = body?.comparison;
  if (compared !== undefined) {
    const sums = column<number | null>(compared.columns?.sum, null);
    const counts = column<number | null>(compared.columns?.presentCount, null);
    columns.comparison = { name: compared.name, sums: sums.map((value, i) => ((counts[i] ?? 0) > 0 && typeof value === 'number' ? value : null)) };
  }
  for (let i = 0; i < length; i++) {
    columns.startSec[i] = startMs[i]! / 1000;
    const value = sum[i];
    columns.sums[i] = present[i]! > 0 && typeof value === 'number' ? value : null;
    if (clipped[i] === true) columns.clippedIdxs.push(i);
    if (present[i] === 0) columns.missingIdxs.push(i);
    else if (present[i]! < expected[i]!) columns.partialIdxs.push(i);
  }
  return columns;
}

/** The index of the bucket holding an instant (seconds), or -1 outside the data. */
export function bucketIndexAt(columns: Pick<UsageColumns, 'length' | 'startSec' | 'endMs'>, seconds: number): number {
  const { startSec, endMs } = columns;
  let low = 0;
  let high = columns.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (startSec[middle]! > seconds) high = middle - 1;
    else if (endMs[middle]! / 1000 <= seconds) low = middle + 1;
    else return middle;
  }
  return -1;
}
