import { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';
import { UsageBucket } from './gen/meterusage/v1/aggregate';
import { AggregateUsageResponse } from './gen/meterusage/v1/meter_usage_service';

// A year in 15-minute buckets is 35,040 buckets and 1.5 MB of protobuf; encoding or decoding it in
// one go holds the event loop for tens of milliseconds (plus the garbage of 70k Dates), and health
// checks queue behind it. These do the same work a slice of buckets at a time, yielding between
// slices, and keep each bucket's objects short-lived. The bytes are those of encode()/decode():
// fields 1-3 (meter_id, unit, time_zone) come before the repeated field 4 (buckets), and a
// message's encoding followed by more encoded fields is the encoding of the merged message.

/** Buckets handled between two yields to the event loop (about a millisecond of work). */
export const BUCKETS_PER_SLICE = 1_000;

const BUCKETS_TAG = (4 << 3) | 2;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The AggregateUsageResponse fields other than buckets. */
export type AggregateUsageHeader = Omit<AggregateUsageResponse, 'buckets'>;

/**
 * For large answers in a server: the bytes of AggregateUsageResponse.encode() of the header with
 * bucketAt(0 … count-1) as buckets, built a slice at a time with the event loop served in between.
 */
export async function encodeAggregateUsageInSlices(
  header: AggregateUsageHeader,
  count: number,
  bucketAt: (index: number) => UsageBucket,
  bucketsPerSlice = BUCKETS_PER_SLICE,
): Promise<Buffer> {
  const parts: Uint8Array[] = [AggregateUsageResponse.encode({ ...header, buckets: [] }).finish()];
  for (let from = 0; from < count; from += bucketsPerSlice) {
    if (from > 0) await yieldToEventLoop();
    const writer = new BinaryWriter();
    for (let index = from; index < Math.min(count, from + bucketsPerSlice); index++) UsageBucket.encode(bucketAt(index), writer.uint32(BUCKETS_TAG).fork()).join();
    parts.push(writer.finish());
  }
  return Buffer.concat(parts);
}

/**
 * For large answers in a client: decodes AggregateUsageResponse bytes as decode() does, handing
 * each bucket to onBucket in order instead of collecting them, a slice at a time with the event
 * loop served in between; resolves with the other fields (buckets left empty).
 */
export async function decodeAggregateUsageInSlices(
  bytes: Uint8Array,
  onBucket: (bucket: UsageBucket, index: number) => void,
  bucketsPerSlice = BUCKETS_PER_SLICE,
): Promise<AggregateUsageResponse> {
  const reader = new BinaryReader(bytes);
  const otherFields: Uint8Array[] = [];
  let index = 0;
  while (reader.pos < reader.len) {
    const fieldStart = reader.pos;
    const tag = reader.uint32();
    if (tag === BUCKETS_TAG) {
      onBucket(UsageBucket.decode(reader, reader.uint32()), index);
      index += 1;
      if (index % bucketsPerSlice === 0) await yieldToEventLoop();
      continue;
    }
    if ((tag & 7) === 4 || tag === 0) break; // where decode() stops too
    reader.skip(tag & 7);
    otherFields.push(bytes.subarray(fieldStart, reader.pos));
  }
  // The other fields (and unknown ones) decoded by the generated code itself, so they mean the same.
  return AggregateUsageResponse.decode(Buffer.concat(otherFields));
}
