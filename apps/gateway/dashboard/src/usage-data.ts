// /api/usage's buckets as columns, the shape uPlot draws and the table pages through, built in
// one pass (a year of 15-minute buckets is 35,040 of them).
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
  missingIdxs: number[];
  partialIdxs: number[];
  clippedIdxs: number[];
}

export function toUsageColumns(body: UsageBody | undefined): UsageColumns {
  const buckets = Array.isArray(body?.buckets) ? body.buckets : [];
  const columns: UsageColumns = {
    unit: body?.unit ?? '',
    timeZone: body?.timeZone ?? 'UTC',
    length: buckets.length,
    startSec: new Array<number>(buckets.length),
    endMs: new Array<number>(buckets.length),
    sums: new Array<number | null>(buckets.length),
    present: new Array<number>(buckets.length),
    expected: new Array<number>(buckets.length),
    clipped: new Array<boolean>(buckets.length),
    missingIdxs: [],
    partialIdxs: [],
    clippedIdxs: [],
  };
  for (let i = 0; i < buckets.length; i++) {
    const bucket = buckets[i]!;
    const present = bucket.presentCount ?? 0;
    const expected = bucket.expectedCount ?? 0;
    columns.startSec[i] = Date.parse(bucket.start) / 1000;
    columns.endMs[i] = Date.parse(bucket.end);
    columns.sums[i] = present > 0 && typeof bucket.sum === 'number' ? bucket.sum : null;
    columns.present[i] = present;
    columns.expected[i] = expected;
    columns.clipped[i] = bucket.clipped === true;
    if (bucket.clipped === true) columns.clippedIdxs.push(i);
    if (present === 0) columns.missingIdxs.push(i);
    else if (present < expected) columns.partialIdxs.push(i);
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
