// The rows of `COPY (select interval_start, usage::float8::text, quality, upload_id …) TO STDOUT
// (FORMAT binary)`, decoded in place from the bytes PostgreSQL sends. The export's rows come this way
// rather than through pg's row parser: an object with four parsed fields per row cost grpc-server
// about a microsecond a reading, most of a 1M-reading export's time there.
import type { ByteRange } from '@meterusage/contracts';
import type { StoredQuality } from '../db/schema';

/** One decoded row; the decoder reuses the object, so a callback must not keep it. */
export interface BinaryReadingRow {
  startMs: number;
  /** undefined for a NULL (a value missing in the source). */
  usage: number | undefined;
  /**
   * PostgreSQL's text of the value (float8out, shortest exact digits) where it is what String(usage)
   * writes: fixed notation, which both use from 10^-4 up to 10^15. undefined for a NULL and for
   * the exponent forms, which differ ("1e-05" against "0.00001"): those are written from usage.
   */
  usageText: ByteRange | undefined;
  quality: StoredQuality;
  /** The upload as decimal text ('' when NULL); only read when asked for (NDJSON). */
  uploadId: string;
}

// "PGCOPY\n\377\r\n\0", then 32-bit flags and the length of a header extension.
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER_FIXED_BYTES = SIGNATURE.length + 8;
const FIELDS = 4;
const TRAILER = -1;
const NULL_LENGTH = -1;
/** PostgreSQL's timestamps count microseconds from 2000-01-01T00:00:00Z. */
const POSTGRES_EPOCH_MS = Date.UTC(2000, 0, 1);
const TWO_TO_32_OVER_1000 = 4_294_967; // 2^32 = 4,294,967 × 1000 + 296
const TWO_TO_32_MOD_1000 = 296;
const LOWER_A = 97;
const LOWER_S = 115;
const LOWER_E = 101;

/**
 * Feeds the COPY's chunks in order; calls onRow for each whole row. A row cut between chunks waits
 * for the next one (only its bytes are kept).
 */
export class BinaryCopyRows {
  private pending: Buffer | undefined;
  private headerRead = false;
  private ended = false;
  private readonly usageText: ByteRange = { bytes: Buffer.alloc(0), start: 0, end: 0 };
  private readonly row: BinaryReadingRow = { startMs: 0, usage: undefined, usageText: undefined, quality: 'actual', uploadId: '' };
  private readonly starts = new Int32Array(FIELDS);
  private readonly lengths = new Int32Array(FIELDS);

  constructor(
    private readonly onRow: (row: BinaryReadingRow) => void,
    private readonly withUploadId: boolean,
  ) {}

  push(chunk: Buffer): void {
    const buffer = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    let pos = 0;
    if (!this.headerRead) {
      if (buffer.length < HEADER_FIXED_BYTES) {
        this.pending = buffer;
        return;
      }
      if (!buffer.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new Error('COPY output is not in the binary format');
      const extension = buffer.readUInt32BE(SIGNATURE.length + 4);
      if (buffer.length < HEADER_FIXED_BYTES + extension) {
        this.pending = buffer;
        return;
      }
      pos = HEADER_FIXED_BYTES + extension;
      this.headerRead = true;
    }
    while (pos < buffer.length) {
      const next = this.readRow(buffer, pos);
      if (next < 0) break;
      pos = next;
    }
    // A copy, so the chunk it came from is not kept alive by it.
    this.pending = pos < buffer.length ? Buffer.from(buffer.subarray(pos)) : undefined;
  }

  /** After the last chunk: the COPY must have ended with its trailer and nothing after it. */
  end(): void {
    if (!this.ended || this.pending !== undefined) throw new Error('COPY output ended inside a row or without its trailer');
  }

  /** The value of a row: undefined for NULL; its text as it is, or parsed when it is an exponent form. */
  private readUsage(buffer: Buffer, start: number, length: number): void {
    const row = this.row;
    if (length === NULL_LENGTH) {
      row.usage = undefined;
      row.usageText = undefined;
      return;
    }
    const end = start + length;
    if (hasExponent(buffer, start, end)) {
      row.usage = Number(buffer.toString('latin1', start, end));
      row.usageText = undefined;
      return;
    }
    const text = this.usageText;
    text.bytes = buffer;
    text.start = start;
    text.end = end;
    row.usage = 0; // not read when the text is written; defined, so the line is not one of a missing value
    row.usageText = text;
  }

  /** The position after the row (or trailer) at pos, or -1 when it is not whole yet. */
  private readRow(buffer: Buffer, pos: number): number {
    if (this.ended) throw new Error('COPY output continues after its trailer');
    const length = buffer.length;
    if (pos + 2 > length) return -1;
    const fields = buffer.readInt16BE(pos);
    if (fields === TRAILER) {
      this.ended = true;
      return pos + 2;
    }
    if (fields !== FIELDS) throw new Error(`COPY row has ${fields} fields, expected ${FIELDS}`);
    // Field lengths first, so nothing is decoded from a row that is not whole.
    let at = pos + 2;
    const { starts, lengths } = this;
    for (let field = 0; field < FIELDS; field++) {
      if (at + 4 > length) return -1;
      const fieldLength = buffer.readInt32BE(at);
      at += 4;
      starts[field] = at;
      lengths[field] = fieldLength;
      if (fieldLength > 0) at += fieldLength;
      if (at > length) return -1;
    }
    const row = this.row;
    row.startMs = startMsOf(buffer, starts[0]!);
    this.readUsage(buffer, starts[1]!, lengths[1]!);
    row.quality = qualityOf(buffer, starts[2]!);
    row.uploadId = !this.withUploadId || lengths[3] === NULL_LENGTH ? '' : buffer.readBigInt64BE(starts[3]).toString();
    this.onRow(row);
    return at;
  }
}

/** Whether bytes[start … end) hold an "e" (PostgreSQL's exponent form of a float8). */
function hasExponent(bytes: Uint8Array, start: number, end: number): boolean {
  for (let index = start; index < end; index++) if (bytes[index] === LOWER_E) return true;
  return false;
}

/**
 * Epoch milliseconds of a timestamptz (int64 microseconds since 2000), exactly: the high word's
 * share is split into whole milliseconds and a remainder so no step exceeds 2^53.
 */
function startMsOf(buffer: Buffer, at: number): number {
  const high = buffer.readInt32BE(at);
  const micros = high * TWO_TO_32_MOD_1000 + buffer.readUInt32BE(at + 4);
  const wholeMs = Math.floor(micros / 1000);
  return POSTGRES_EPOCH_MS + high * TWO_TO_32_OVER_1000 + wholeMs + (micros - wholeMs * 1000) / 1000;
}

/** The stored quality by its first letters: actual, estimated, edited (the column's CHECK). */
function qualityOf(buffer: Buffer, at: number): StoredQuality {
  if (buffer[at] === LOWER_A) return 'actual';
  return buffer[at + 1] === LOWER_S ? 'estimated' : 'edited';
}
