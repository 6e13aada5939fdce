import { hasWholeHourOffsets } from '@meterusage/time';
import type { TimeRange } from '../meters/resolve-range';
import type { AggregateSource, BucketWidthName } from './usage.repository';

const HOUR_MS = 3_600_000;

/**
 * The hourly rollup answers a query exactly when every bucket is a union of whole UTC hours of
 * the range: buckets of an hour or more, a range on hour boundaries, a zone whose offsets are
 * whole hours, and meter intervals that never straddle an hour. Otherwise read the readings.
 */
export function chooseAggregateSource(options: {
  rollupAvailable: boolean;
  width: BucketWidthName;
  range: TimeRange;
  timeZone: string;
  intervalSeconds: number;
}): AggregateSource {
  const { range } = options;
  const usable =
    options.rollupAvailable &&
    options.width !== '15m' &&
    range.startMs % HOUR_MS === 0 &&
    range.endMs % HOUR_MS === 0 &&
    3600 % options.intervalSeconds === 0 &&
    hasWholeHourOffsets(options.timeZone, range.startMs, range.endMs);
  return usable ? 'hourly-rollup' : 'readings';
}
