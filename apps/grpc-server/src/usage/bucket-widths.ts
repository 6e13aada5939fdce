import { BucketWidth } from '@meterusage/contracts';
import type { BucketWidthName } from '@meterusage/time';
import type { BucketLengths } from './usage-admission';

// The shortest and longest bucket of each width in any zone (DST shifts of an hour, Lord Howe's half
// hour): bounds to refuse a range with far too many buckets before computing them, and to cost it.
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
export const WIDTHS: Partial<Record<BucketWidth, { name: BucketWidthName } & BucketLengths>> = {
  [BucketWidth.BUCKET_WIDTH_15_MINUTES]: { name: '15m', minLengthMs: 900_000, maxLengthMs: 900_000 },
  [BucketWidth.BUCKET_WIDTH_HOUR]: { name: 'hour', minLengthMs: HOUR_MS, maxLengthMs: 2 * HOUR_MS },
  [BucketWidth.BUCKET_WIDTH_DAY]: { name: 'day', minLengthMs: DAY_MS - HOUR_MS, maxLengthMs: DAY_MS + HOUR_MS },
  [BucketWidth.BUCKET_WIDTH_WEEK]: { name: 'week', minLengthMs: 7 * DAY_MS - HOUR_MS, maxLengthMs: 7 * DAY_MS + HOUR_MS },
  [BucketWidth.BUCKET_WIDTH_MONTH]: { name: 'month', minLengthMs: 28 * DAY_MS - HOUR_MS, maxLengthMs: 31 * DAY_MS + HOUR_MS },
};
