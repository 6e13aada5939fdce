import { decodeAggregateUsageInSlices, SLICE_MS } from '@meterusage/contracts';
import { bucketJsonText } from './json-mapping';

/** Buckets whose JSON text is turned into UTF-8 bytes at once (about 10 kB). */
const BUCKETS_PER_CHUNK = 64;

/**
 * The JSON body of GET /api/usage from the encoded AggregateUsageResponse: the UTF-8 bytes of
 * JSON.stringify({ meterId, unit, timeZone, buckets }) with each bucket mapped as bucketJsonText writes it, which are also
 * those of the route's schema serializer (a test holds it to both). A year in 15-minute buckets
 * is 35,040 buckets and 5.6 MB of JSON: decoding, mapping and writing it in one go held the event
 * loop (and the health probes behind it) for well over 100 ms, so each bucket is decoded, mapped
 * and written in turn, in slices of sliceMs with the event loop served in between. The text is
 * turned into bytes a few buckets at a time inside those slices: handed one 5.6 MB string,
 * Fastify would measure it (Buffer.byteLength) and the socket encode it, each in one step of
 * tens of milliseconds. JSON.stringify escapes lone surrogates, so encoding piecewise gives the
 * same bytes as encoding the whole.
 */
export async function aggregateUsageJson(bytes: Uint8Array, sliceMs = SLICE_MS): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let pending: string[] = [];
  const flush = () => {
    chunks.push(Buffer.from((chunks.length === 0 ? '' : ',') + pending.join(','), 'utf8'));
    pending = [];
  };
  const header = await decodeAggregateUsageInSlices(
    bytes,
    (bucket) => {
      pending.push(bucketJsonText(bucket));
      if (pending.length === BUCKETS_PER_CHUNK) flush();
    },
    sliceMs,
  );
  if (pending.length > 0) flush();
  const envelope = JSON.stringify({ meterId: header.meterId, unit: header.unit, timeZone: header.timeZone });
  return Buffer.concat([Buffer.from(`${envelope.slice(0, -1)},"buckets":[`, 'utf8'), ...chunks, Buffer.from(']}', 'utf8')]);
}
