import type { ServerUnaryCall } from '@grpc/grpc-js';
import type { AggregateUsageRequest, AggregateUsageResponse } from '@meterusage/contracts';
import type { Admission, ReleaseAdmission } from '../admission';
import type { TimeRange } from '../meters/resolve-range';
import { MAX_BUCKETS } from './bucket-plan';

// What an AggregateUsage call costs the admission: the most buckets its range can give.

/** How long a bucket of a width can be, at least and at most, in any zone (DST and half-hour shifts included). */
export interface BucketLengths {
  minLengthMs: number;
  maxLengthMs: number;
}

/** The most buckets a range can give (one more than its span holds, for a cut bucket at each end): what its answer costs to build. */
export function mostBuckets(range: TimeRange, minLengthMs: number): number {
  return Math.ceil((range.endMs - range.startMs) / minLengthMs) + 1;
}

/**
 * Whether a range gives more than MAX_BUCKETS buckets even if each were as long as they come: then
 * it is refused before its bounds are computed. Any other range is counted exactly (planBuckets),
 * so the largest answer the limit admits can be asked for, and that count costs at most
 * maxLengthMs / minLengthMs times the limit.
 */
export function certainlyTooManyBuckets(range: TimeRange, lengths: BucketLengths): boolean {
  return Math.floor((range.endMs - range.startMs) / lengths.maxLengthMs) > MAX_BUCKETS;
}

/** What a range costs the admission: mostBuckets, at most MAX_BUCKETS (no answer holds more). */
export function admittedBuckets(range: TimeRange, lengths: BucketLengths): number {
  return Math.min(mostBuckets(range, lengths.minLengthMs), MAX_BUCKETS);
}

/** admittedBuckets of a request naming both bounds validly, not certainly too many; undefined otherwise, where the handler's checks decide. */
export function explicitBucketCount(request: AggregateUsageRequest, lengths: BucketLengths): number | undefined {
  const startMs = request.startTime?.getTime();
  const endMs = request.endTime?.getTime();
  if (startMs === undefined || endMs === undefined || !Number.isFinite(startMs) || !Number.isFinite(endMs) || startMs >= endMs) return undefined;
  const range = { startMs, endMs };
  return certainlyTooManyBuckets(range, lengths) ? undefined : admittedBuckets(range, lengths);
}

/** Waits for admission of a call of this many buckets; undefined (nothing to release) without an admission or a count. */
export async function admitUsage(
  admission: Admission | undefined,
  buckets: number | undefined,
  call: ServerUnaryCall<AggregateUsageRequest, AggregateUsageResponse>,
): Promise<ReleaseAdmission | undefined> {
  if (admission === undefined || buckets === undefined) return undefined;
  const cancelled = new AbortController();
  const onCancelled = () => cancelled.abort(new Error('call cancelled while waiting for admission'));
  call.once('cancelled', onCancelled);
  try {
    return await admission.admit(buckets, cancelled.signal);
  } finally {
    call.removeListener('cancelled', onCancelled);
  }
}
