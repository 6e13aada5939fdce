// The rows of `COPY (select interval_start, usage::float8::text, quality, upload_id …) TO STDOUT
// (FORMAT binary)`, decoded in place from the bytes PostgreSQL sends. The export's rows come this way
// rather than through pg's row parser: an object with four parsed fields per row cost grpc-server
// about a microsecond a reading, most of a 1M-reading export's time there.
import type { ByteRange } from '@meterusage/contracts';
import { BinaryCopyFrames, NULL_LENGTH } from '../db/binary-copy-frames';
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

const FIELDS = 4;
/** PostgreSQL's timestamps count microseconds from 2000-01-01T00:00:00Z. */
const POSTGRES_EPOCH_MS = Date.UTC(2000, 0, 1);
const TWO_TO_32_OVER_1000 = 4_294_967; // 2^32 = 4,294,967 × 1000 + 296
const TWO_TO_32_MOD_1000 = 296;
const LOWER_A = 97;
const LOWER_S = 115;
const LOWER_E = 101;

/** Feeds the COPY's chunks in order; calls onRow for each whole row (binary-copy-frames.ts). */
export class BinaryCopyRows {
  private readonly frames: BinaryCopyFrames;
  private readonly usageText: ByteRange = { bytes: Buffer.alloc(0), start: 0, end: 0 };
  private readonly row: BinaryReadingRow = { startMs: 0, usage: undefined, usageText: undefined, quality: 'actual', uploadId: '' };

  constructor(
    private readonly onRow: (row: BinaryReadingRow) => void,
    private readonly withUploadId: boolean,
  ) {
    this.frames = new BinaryCopyFrames(FIELDS, (buffer, starts, lengths) => this.readRow(buffer, starts, lengths));
  }

  push(chunk: Buffer): void {
    this.frames.push(chunk);
  }

  /** After the last chunk: the COPY must have ended with its trailer and nothing after it. */
  end(): void {
    this.frames.end();
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

  private readRow(buffer: Buffer, starts: Int32Array, lengths: Int32Array): void {
    const row = this.row;
    row.startMs = startMsOf(buffer, starts[0]!);
    this.readUsage(buffer, starts[1]!, lengths[1]!);
    row.quality = qualityOf(buffer, starts[2]!);
    row.uploadId = !this.withUploadId || lengths[3] === NULL_LENGTH ? '' : buffer.readBigInt64BE(starts[3]).toString();
    this.onRow(row);
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
