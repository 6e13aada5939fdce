import { BinaryReader } from '@bufbuild/protobuf/wire';
import { AggregateUsageResponse } from './gen/meterusage/v1/meter_usage_service';
import { ProtoSink, UsageBucketReader, type UsageBucketFields } from './usage-bucket-wire';

// A year in 15-minute buckets is 35,040 buckets and 1.5 MB of protobuf; encoding or decoding it in
// one go holds the event loop for tens of milliseconds (plus the garbage of 70k Dates), and health
// checks queue behind it. These do the same work in slices of SLICE_MS, yielding between slices,
// with each bucket as plain numbers (usage-bucket-wire.ts) rather than a message of Dates. Slices are timed rather than counted: under load
// every yield waits for a whole turn of a busy event loop, so a large answer should yield as
// rarely as the probes allow. The bytes are those of encode()/decode():
// fields 1-3 (meter_id, unit, time_zone) come before the repeated field 4 (buckets), and a
// message's encoding followed by more encoded fields is the encoding of the merged message.

/** Milliseconds of work between two yields to the event loop: short enough for health probes, long enough that a busy loop does not starve the work. */
export const SLICE_MS = 10;

const BUCKETS_TAG = (4 << 3) | 2;
/** A bucket with both times and all four aggregates takes about 56 bytes; the sink grows if needed. */
const TYPICAL_BUCKET_BYTES = 60;
// How often (in buckets) the clock is read; a bucket takes a few microseconds.
const BUCKETS_PER_CLOCK_READ = 64;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Resolves at once while the current slice has time left; else yields to the event loop and starts the next slice. */
function slicer(sliceMs: number): () => Promise<void> | undefined {
  let sliceStart = performance.now();
  return () => {
    if (performance.now() - sliceStart < sliceMs) return undefined;
    return yieldToEventLoop().then(() => {
      sliceStart = performance.now();
    });
  };
}

/** The AggregateUsageResponse fields other than buckets. */
export type AggregateUsageHeader = Omit<AggregateUsageResponse, 'buckets'>;

/**
 * For large answers in a server: the bytes of AggregateUsageResponse.encode() of the header with
 * bucketAt(0 … count-1) as buckets, built in slices of sliceMs with the event loop served in between.
 */
export async function encodeAggregateUsageInSlices(
  header: AggregateUsageHeader,
  count: number,
  bucketAt: (index: number) => UsageBucketFields,
  sliceMs = SLICE_MS,
): Promise<Buffer> {
  const sink = new ProtoSink(TYPICAL_BUCKET_BYTES * (count + 1));
  sink.raw(AggregateUsageResponse.encode({ ...header, buckets: [] }).finish());
  const nextSlice = slicer(sliceMs);
  for (let index = 0; index < count; index++) {
    sink.usageBucket(BUCKETS_TAG, bucketAt(index));
    if ((index + 1) % BUCKETS_PER_CLOCK_READ === 0) await nextSlice();
  }
  return sink.bytes();
}

/**
 * For large answers in a client: decodes AggregateUsageResponse bytes as decode() does, handing
 * each bucket to onBucket in order instead of collecting them, in slices of sliceMs with the
 * event loop served in between; resolves with the other fields (buckets left empty).
 */
export async function decodeAggregateUsageInSlices(
  bytes: Uint8Array,
  onBucket: (bucket: UsageBucketFields, index: number) => void,
  sliceMs = SLICE_MS,
): Promise<AggregateUsageResponse> {
  const reader = new BinaryReader(bytes);
  const buckets = new UsageBucketReader(bytes);
  const otherFields: Uint8Array[] = [];
  const nextSlice = slicer(sliceMs);
  let index = 0;
  while (reader.pos < reader.len) {
    const fieldStart = reader.pos;
    const tag = reader.uint32();
    if (tag === BUCKETS_TAG) {
      const length = reader.uint32();
      if (reader.pos + length > reader.len) throw new RangeError('premature EOF');
      onBucket(buckets.read(reader.pos, reader.pos + length), index);
      reader.pos += length;
      index += 1;
      if (index % BUCKETS_PER_CLOCK_READ === 0) await nextSlice();
      continue;
    }
    if ((tag & 7) === 4 || tag === 0) break; // where decode() stops too
    reader.skip(tag & 7);
    otherFields.push(bytes.subarray(fieldStart, reader.pos));
  }
  // The other fields (and unknown ones) decoded by the generated code itself, so they mean the same.
  return AggregateUsageResponse.decode(Buffer.concat(otherFields));
}
