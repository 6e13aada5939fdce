import type { StoredQuality } from '../db/schema';

// COPY's text format (PostgreSQL "COPY ... FROM STDIN", tab-separated, \N for NULL), written as
// bytes: the one place that knows how a staged row looks on the wire. The columns are those of
// StagingCopy's COPY statement (staging.repository.ts): line, meter_id, start_ms, usage and, for a
// file with a quality column, quality (without one, staging's default: actual).

/**
 * Rows in COPY's text format, written as bytes straight into a buffer: no string per row, no
 * UTF-8 encoding. Meter ids and values were validated (ASCII, nothing to escape).
 */
export class StagingRows {
  private buffer: Buffer;
  private length = 0;
  /** Whether rows carry their quality (set before the first row: the file has a quality column). */
  withQuality = false;

  constructor(private readonly capacity = 128 * 1024) {
    this.buffer = Buffer.allocUnsafe(capacity);
  }

  add(line: number, meterId: string, startMs: number, usage: string | null, quality: StoredQuality): void {
    // Two integers of at most 21 bytes, four tabs and a line break, besides the three texts.
    const most = meterId.length + (usage === null ? 2 : usage.length) + quality.length + 48;
    if (this.length + most > this.buffer.length) this.grow(most);
    const buffer = this.buffer;
    let at = writeInteger(buffer, this.length, line);
    buffer[at++] = TAB;
    at = writeAscii(buffer, at, meterId);
    buffer[at++] = TAB;
    at = writeInteger(buffer, at, startMs);
    buffer[at++] = TAB;
    if (usage === null) {
      buffer[at++] = BACKSLASH;
      buffer[at++] = 78; // N
    } else at = writeAscii(buffer, at, usage);
    if (this.withQuality) {
      buffer[at++] = TAB;
      at = writeAscii(buffer, at, quality);
    }
    buffer[at++] = NEWLINE;
    this.length = at;
  }

  /** The rows added since the last take, as one chunk for the COPY stream (which keeps it: a new buffer follows). */
  take(): Buffer | undefined {
    if (this.length === 0) return undefined;
    const rows = this.buffer.subarray(0, this.length);
    this.buffer = Buffer.allocUnsafe(this.capacity);
    this.length = 0;
    return rows;
  }

  private grow(most: number): void {
    const larger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + most));
    this.buffer.copy(larger, 0, 0, this.length);
    this.buffer = larger;
  }
}

const TAB = 9;
const NEWLINE = 10;
const BACKSLASH = 92;

/** Writes an ASCII string's bytes at `at` (a short string: faster than Buffer#write); returns the position after them. */
function writeAscii(buffer: Buffer, at: number, text: string): number {
  for (let index = 0; index < text.length; index += 1) buffer[at++] = text.charCodeAt(index);
  return at;
}

/** Writes an integer's decimal digits (exact below 2^53) at `at`; returns the position after them. */
function writeInteger(buffer: Buffer, at: number, value: number): number {
  if (value < 0) {
    buffer[at++] = 45; // -
    value = -value;
  }
  // Epoch milliseconds exceed small integers: the digits below 10^8 and above them separately.
  const high = Math.floor(value / 1e8);
  let low = value - high * 1e8;
  const first = at;
  if (high === 0) {
    do {
      buffer[at++] = 48 + (low % 10);
      low = (low / 10) | 0;
    } while (low > 0);
  } else {
    for (let digit = 0; digit < 8; digit += 1) {
      buffer[at++] = 48 + (low % 10);
      low = (low / 10) | 0;
    }
    for (let rest = high; rest > 0; rest = Math.floor(rest / 10)) buffer[at++] = 48 + (rest % 10);
  }
  for (let lowEnd = first, highEnd = at - 1; lowEnd < highEnd; lowEnd += 1, highEnd -= 1) {
    const digit = buffer[lowEnd]!;
    buffer[lowEnd] = buffer[highEnd]!;
    buffer[highEnd] = digit;
  }
  return at;
}
