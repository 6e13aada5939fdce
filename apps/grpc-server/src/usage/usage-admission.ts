import type { ServerUnaryCall } from '@grpc/grpc-js';
import type { AggregateUsageRequest, AggregateUsageResponse } from '@meterusage/contracts';
import type { Admission, ReleaseAdmission } from '../admission';
import type { TimeRange } from '../meters/resolve-range';
import { MAX_BUCKETS } from './bucket-plan';

// What an AggregateUsage call costs the admission: the most buckets its range can give.

/** The most buckets a range can give: what its answer costs to build. */
export function mostBuckets(range: TimeRange, minLengthMs: number): number {
  return Math.ceil((range.endMs - range.startMs) / minLengthMs) + 1;
}

/** mostBuckets of a request naming both bounds validly (at most MAX_BUCKETS); undefined otherwise, where the handler's checks decide. */
export function explicitBucketCount(request: AggregateUsageRequest, minLengthMs: number): number | undefined {
  const startMs = request.startTime?.getTime();
  const endMs = request.endTime?.getTime();
  if (startMs === undefined || endMs === undefined || !Number.isFinite(startMs) || !Number.isFinite(endMs) || startMs >= endMs) return undefined;
  const most = mostBuckets({ startMs, endMs }, minLengthMs);
  return most <= MAX_BUCKETS ? most : undefined;
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
