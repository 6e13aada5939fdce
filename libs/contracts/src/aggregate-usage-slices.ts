import { AggregateUsageResponse } from './gen/meterusage/v1/meter_usage_service';
import type { ProtoSink } from './proto-sink';
import { SLICE_MS } from './event-loop-slices';
import { decodeInSlices, encodeInSlices, type RepeatedField } from './repeated-field-slices';
import { UsageBucketReader, type UsageBucketFields } from './usage-bucket-wire';

// AggregateUsage answers in slices (repeated-field-slices.ts): a year in 15-minute buckets is
// 35,040 buckets and 1.5 MB of protobuf, which in one go held the event loop for tens of
// milliseconds (plus the garbage of 70k Dates) and health checks queued behind it.

/** buckets = 4; a bucket with both times and all four aggregates takes about 56 bytes. */
const BUCKETS: RepeatedField<UsageBucketFields> = {
  tag: (4 << 3) | 2,
  typicalBytes: 60,
  write: (sink: ProtoSink, tag, bucket) => sink.usageBucket(tag, bucket),
  reader: (bytes) => new UsageBucketReader(bytes),
};

/** The AggregateUsageResponse fields other than buckets. */
export type AggregateUsageHeader = Omit<AggregateUsageResponse, 'buckets'>;

/** The bytes of AggregateUsageResponse.encode() of the header with bucketAt(0 … count-1) as buckets, built in slices. */
export function encodeAggregateUsageInSlices(
  header: AggregateUsageHeader,
  count: number,
  bucketAt: (index: number) => UsageBucketFields,
  sliceMs = SLICE_MS,
): Promise<Buffer> {
  return encodeInSlices(AggregateUsageResponse, BUCKETS, { ...header, buckets: [] }, count, bucketAt, sliceMs);
}

/** Decodes AggregateUsageResponse bytes as decode() does, each bucket handed to onBucket in order; resolves with the other fields. */
export function decodeAggregateUsageInSlices(
  bytes: Uint8Array,
  onBucket: (bucket: UsageBucketFields, index: number) => void,
  sliceMs = SLICE_MS,
): Promise<AggregateUsageResponse> {
  return decodeInSlices(AggregateUsageResponse, BUCKETS, bytes, onBucket, sliceMs);
}
