import type { AggregateSource } from './usage.repository';

const HOUR_MS = 3_600_000;

/**
 * The hourly rollup answers a query exactly when each of its UTC hours lies wholly inside one
 * bucket and wholly inside or outside the range: every cut (the range's ends and every boundary
 * between buckets) is on a whole UTC hour, and meter intervals never straddle an hour. Zones
 * with fractional offsets or 30-minute DST changes fail this over the ranges where it matters.
 */
export function chooseAggregateSource(options: { rollupAvailable: boolean; cutsMs: readonly number[]; intervalSeconds: number }): AggregateSource {
  const usable = options.rollupAvailable && 3600 % options.intervalSeconds === 0 && options.cutsMs.every((cutMs) => cutMs % HOUR_MS === 0);
  return usable ? 'hourly-rollup' : 'readings';
}
