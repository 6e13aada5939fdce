import { decodeAggregateUsageInSlices, SLICE_MS, type UsageBucketFields } from '@meterusage/contracts';
import { isoSecondsOfMs } from '@meterusage/contracts';
import { JsonArrayBody } from './json-array-body';
import type { WrittenAnswer } from './readings-json';
import { writeBucketJson } from './json-mapping';
import { TextSink } from '@meterusage/contracts';
import { EARLIEST_MS, LATEST_MS } from './time-domain';

/**
 * The JSON body of GET /api/usage from the encoded AggregateUsageResponse: the UTF-8 bytes of
 * JSON.stringify({ meterId, unit, timeZone, buckets }) with each bucket mapped as writeBucketJson writes it, which are also
 * those of the route's schema serializer (a test holds it to both). A year in 15-minute buckets
 * is 35,040 buckets and 5.6 MB of JSON: decoding, mapping and writing it in one go held the event
 * loop (and the health probes behind it) for well over 100 ms, so each bucket is decoded, mapped
 * and written in turn, in slices of sliceMs with the event loop served in between, straight
 * into bytes (JsonArrayBody). keep, when given, also receives every bucket decoded (a comparison aligns them).
 */
export async function aggregateUsageJson(bytes: Uint8Array, sliceMs = SLICE_MS, keep?: UsageBucketFields[]): Promise<WrittenAnswer> {
  const buckets = new JsonArrayBody(writeBucketJson);
  const header = await eachBucket(bytes, sliceMs, keep, (bucket) => buckets.add(bucket));
  return { body: buckets.body(`${envelopeHead(header)},"buckets":[`, ']}'), meterId: header.meterId, dataVersion: header.dataVersion };
}

/** Decodes the answer a slice at a time, each bucket to add (and to keep, when given); resolves with the other fields. */
function eachBucket(bytes: Uint8Array, sliceMs: number, keep: UsageBucketFields[] | undefined, add: (bucket: UsageBucketFields) => void) {
  return decodeAggregateUsageInSlices(
    bytes,
    (bucket) => {
      add(bucket);
      keep?.push(bucket);
    },
    sliceMs,
  );
}

/** {"meterId","unit","timeZone" of the answer, open for the buckets or columns to follow. */
function envelopeHead(header: { meterId: string; unit: string; timeZone: string }): string {
  return JSON.stringify({ meterId: header.meterId, unit: header.unit, timeZone: header.timeZone }).slice(0, -1);
}

/** The columns of the columnar form, in the order it writes them, and how each is read from a bucket. */
const COLUMNS: readonly [name: string, write: (out: TextSink, bucket: UsageBucketFields) => void][] = [
  ['startMs', (out, bucket) => writeEpochMs(out, bucket.startMs)],
  ['endMs', (out, bucket) => writeEpochMs(out, bucket.endMs)],
  ['sum', (out, bucket) => writeNumberOrNull(out, bucket.sum)],
  ['mean', (out, bucket) => writeNumberOrNull(out, bucket.mean)],
  ['min', (out, bucket) => writeNumberOrNull(out, bucket.min)],
  ['max', (out, bucket) => writeNumberOrNull(out, bucket.max)],
  ['presentCount', (out, bucket) => out.number(bucket.presentCount)],
  ['expectedCount', (out, bucket) => out.number(bucket.expectedCount)],
  ['clipped', (out, bucket) => out.ascii(bucket.clipped ? 'true' : 'false')],
  ['estimatedCount', (out, bucket) => out.number(bucket.estimatedCount)],
  ['editedCount', (out, bucket) => out.number(bucket.editedCount)],
];

/**
 * GET /api/usage?shape=columns: the same buckets as parallel arrays, the form charts draw
 * (uPlot takes an array of x and one of y), {"meterId","unit","timeZone","columns":{"startMs":[…],
 * "endMs":[…],"sum":[…],…}}: bucket i is element i of every column. Times are epoch milliseconds;
 * a value the bucket lacks (no readings) is null. A year of 15-minute buckets is about 2 MB
 * instead of 5.6, and parses in a fraction of the time.
 */
export async function aggregateUsageColumnsJson(bytes: Uint8Array, sliceMs = SLICE_MS, keep?: UsageBucketFields[]): Promise<WrittenAnswer> {
  const columns = new UsageColumns();
  const header = await eachBucket(bytes, sliceMs, keep, (bucket) => columns.add(bucket));
  const body = Buffer.concat([Buffer.from(`${envelopeHead(header)},"columns":`), ...columns.finish(), Buffer.from('}')]);
  return { body, meterId: header.meterId, dataVersion: header.dataVersion };
}

/**
 * Buckets written as the columns object {"startMs":[…],"endMs":[…],…}, a bucket at a time; an
 * absent bucket (a compared period's missing counterpart) is null in every column.
 */
export class UsageColumns {
  private readonly columns = COLUMNS.map(() => new TextSink());
  private count = 0;

  add(bucket: UsageBucketFields | undefined): void {
    const separate = this.count++ > 0;
    for (let index = 0; index < COLUMNS.length; index++) {
      const out = this.columns[index]!;
      if (separate) out.byte(COMMA);
      if (bucket === undefined) out.ascii('null');
      else COLUMNS[index]![1](out, bucket);
    }
  }

  /** The columns object's bytes. */
  finish(): Buffer[] {
    const pieces: Buffer[] = [Buffer.from('{')];
    COLUMNS.forEach(([name], index) => {
      pieces.push(Buffer.from(`${index === 0 ? '' : '],'}"${name}":[`), ...this.columns[index]!.finish());
    });
    pieces.push(Buffer.from(']}'));
    return pieces;
  }
}

const COMMA = 44;

/**
 * An instant as epoch milliseconds, null when absent. Refused outside years 0001-9999 as the rows'
 * RFC 3339 form refuses it, so both shapes answer the same requests.
 */
function writeEpochMs(out: TextSink, ms: number | undefined): void {
  if (ms === undefined) out.ascii('null');
  else {
    if (!(ms >= EARLIEST_MS && ms <= LATEST_MS)) isoSecondsOfMs(ms); // throws the rows' refusal
    out.number(ms);
  }
}

function writeNumberOrNull(out: TextSink, value: number | undefined): void {
  if (value === undefined || !Number.isFinite(value)) out.ascii('null');
  else out.number(value);
}
