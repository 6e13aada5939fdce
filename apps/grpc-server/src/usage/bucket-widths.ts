import { BucketWidth } from '@meterusage/contracts';
import type { BucketWidthName } from '@meterusage/time';
import type { BucketLengths } from './usage-admission';

// The shortest usual and the longest bucket of each width: bounds to refuse a range with far too
// many buckets before computing them (the longest: only what is certainly too many), and to cost it
// (the shortest). An hour bucket is at most an hour: there is a bound at every local HH:00 and at
// every change of offset; days, weeks and months stretch by an hour at a DST change.
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
export const WIDTHS: Partial<Record<BucketWidth, { name: BucketWidthName } & BucketLengths>> = {
  [BucketWidth.BUCKET_WIDTH_15_MINUTES]: { name: '15m', minLengthMs: 900_000, maxLengthMs: 900_000 },
  [BucketWidth.BUCKET_WIDTH_HOUR]: { name: 'hour', minLengthMs: HOUR_MS, maxLengthMs: HOUR_MS },
  [BucketWidth.BUCKET_WIDTH_DAY]: { name: 'day', minLengthMs: DAY_MS - HOUR_MS, maxLengthMs: DAY_MS + HOUR_MS },
  [BucketWidth.BUCKET_WIDTH_WEEK]: { name: 'week', minLengthMs: 7 * DAY_MS - HOUR_MS, maxLengthMs: 7 * DAY_MS + HOUR_MS },
  [BucketWidth.BUCKET_WIDTH_MONTH]: { name: 'month', minLengthMs: 28 * DAY_MS - HOUR_MS, maxLengthMs: 31 * DAY_MS + HOUR_MS },
};
