import { decodeAggregateUsageInSlices, SLICE_MS } from '@meterusage/contracts';
import { JsonArrayBody } from './json-array-body';
import { writeBucketJson } from './json-mapping';

/**
 * The JSON body of GET /api/usage from the encoded AggregateUsageResponse: the UTF-8 bytes of
 * JSON.stringify({ meterId, unit, timeZone, buckets }) with each bucket mapped as writeBucketJson writes it, which are also
 * those of the route's schema serializer (a test holds it to both). A year in 15-minute buckets
 * is 35,040 buckets and 5.6 MB of JSON: decoding, mapping and writing it in one go held the event
 * loop (and the health probes behind it) for well over 100 ms, so each bucket is decoded, mapped
 * and written in turn, in slices of sliceMs with the event loop served in between, straight
 * into bytes (JsonArrayBody).
 */
export async function aggregateUsageJson(bytes: Uint8Array, sliceMs = SLICE_MS): Promise<Buffer> {
  const buckets = new JsonArrayBody(writeBucketJson);
  const header = await decodeAggregateUsageInSlices(bytes, (bucket) => buckets.add(bucket), sliceMs);
  const envelope = JSON.stringify({ meterId: header.meterId, unit: header.unit, timeZone: header.timeZone });
  return buckets.body(`${envelope.slice(0, -1)},"buckets":[`, ']}');
}
