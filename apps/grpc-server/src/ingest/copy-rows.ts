import type { StoredQuality } from '../db/schema';

// COPY's text format (PostgreSQL "COPY ... FROM STDIN", tab-separated, \N for NULL), written as
// bytes: the one place that knows how an upload's rows look on the wire. StagingRows has the
// columns of StagingCopy's COPY statement (staging.repository.ts): line, meter_id, start_ms, usage
// and, for a file with a quality column, quality (without one, staging's default: actual).
// ReadingRows has those of DirectAppend's (direct-append.ts), straight into readings: meter_id,
// interval_start, usage, quality when the file has one, upload_id. StoredRowsText is the other
// direction: what COPY TO writes for stored rows (stored-comparison.ts), to compare bytes with.

/**
 * Rows in COPY's text format written as bytes straight into a buffer (no string per row, no UTF-8
 * encoding), handed to a COPY stream a chunk at a time.
 */
abstract class CopyTextRows {
  protected buffer: Buffer;
  protected length = 0;

  constructor(private readonly capacity: number) {
    this.buffer = Buffer.allocUnsafe(capacity);
  }

  /** The rows added since the last take, as one chunk for the COPY stream (which keeps it: a new buffer follows). */
  take(): Buffer | undefined {
    if (this.length === 0) return undefined;
    const rows = this.buffer.subarray(0, this.length);
    this.buffer = Buffer.allocUnsafe(this.capacity);
    this.length = 0;
    return rows;
  }

  /** Makes room for a row of at most `most` bytes. */
  protected reserve(most: number): void {
    if (this.length + most <= this.buffer.length) return;
    const larger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + most));
    this.buffer.copy(larger, 0, 0, this.length);
    this.buffer = larger;
  }
}

/** Staged rows (StagingCopy). Meter ids and values were validated (ASCII, nothing to escape). */
export class StagingRows extends CopyTextRows {
  /** Whether rows carry their quality (set before the first row: the file has a quality column). */
  withQuality = false;

  constructor(capacity = 128 * 1024) {
    super(capacity);
  }

  add(line: number, meterId: string, startMs: number, usage: string | null, quality: StoredQuality): void {
    // Two integers of at most 21 bytes, four tabs and a line break, besides the three texts.
    const most = meterId.length + (usage === null ? 2 : usage.length) + quality.length + 48;
    this.reserve(most);
    const buffer = this.buffer;
    let at = writeInteger(buffer, this.length, line);
    buffer[at++] = TAB;
    at = writeAscii(buffer, at, meterId);
    buffer[at++] = TAB;
    at = writeInteger(buffer, at, startMs);
    buffer[at++] = TAB;
    at = writeUsageAndQuality(buffer, at, usage, this.withQuality ? quality : undefined);
    buffer[at++] = NEWLINE;
    this.length = at;
  }
}

/**
 * Rows as `COPY (select start_ms, usage, quality …) TO STDOUT` writes the stored rows they equal
 * (STORED_ROWS_COPY in stored-comparison.ts): the start in epoch milliseconds, the value as
 * numeric prints it when written as it was received, the quality. Lines are consecutive, so the
 * rows can go to staging from this text alone (stageComparedText).
 */
export class StoredRowsText extends CopyTextRows {
  constructor(capacity = 64 * 1024) {
    super(capacity);
  }

  add(startMs: number, usage: string | null, quality: StoredQuality): void {
    this.reserve((usage === null ? 2 : usage.length) + quality.length + 24);
    const buffer = this.buffer;
    let at = writeInteger(buffer, this.length, startMs);
    buffer[at++] = TAB;
    at = writeUsageAndQuality(buffer, at, usage, quality);
    buffer[at++] = NEWLINE;
    this.length = at;
  }
}

/**
 * Adds to `staging` the rows of a StoredRowsText chunk whose first row is on `firstLine` and the
 * rest on the lines after it, all of meter `meterId`.
 */
export function stageComparedText(staging: StagingRows, meterId: string, firstLine: number, text: Buffer): void {
  const rows = text.toString('latin1').split('\n');
  rows.pop(); // after the last line break
  rows.forEach((row, index) => {
    const [startMs, usage, quality] = row.split('\t') as [string, string, StoredQuality];
    staging.add(firstLine + index, meterId, Number(startMs), usage === '\\N' ? null : usage, quality);
  });
}

/**
 * Readings in COPY's text format for readings itself (an append-only upload, direct-append.ts):
 * the interval start as a UTC timestamp, the upload's id on every row.
 */
export class ReadingRows extends CopyTextRows {
  /** The date part of the last row's start ("YYYY-MM-DD "), kept while rows stay on its UTC day. */
  private day = NaN;
  private dayText = '';

  constructor(
    /** Whether rows carry their quality (the file has a quality column; otherwise readings' default: actual). */
    private readonly withQuality: boolean,
    private readonly uploadId: string,
    capacity = 128 * 1024,
  ) {
    super(capacity);
  }

  add(meterId: string, startMs: number, usage: string | null, quality: StoredQuality): void {
    // A 28-byte timestamp, four tabs and a line break, besides the texts.
    const most = meterId.length + (usage === null ? 2 : usage.length) + quality.length + this.uploadId.length + 40;
    this.reserve(most);
    const buffer = this.buffer;
    let at = writeAscii(buffer, this.length, meterId);
    buffer[at++] = TAB;
    at = this.writeTimestamp(at, startMs);
    buffer[at++] = TAB;
    at = writeUsageAndQuality(buffer, at, usage, this.withQuality ? quality : undefined);
    buffer[at++] = TAB;
    at = writeAscii(buffer, at, this.uploadId);
    buffer[at++] = NEWLINE;
    this.length = at;
  }

  /** "YYYY-MM-DD HH:MM:SS.mmm+00" of an instant within years 1–9999 (the validator's range). */
  private writeTimestamp(at: number, startMs: number): number {
    const day = Math.floor(startMs / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.dayText = `${new Date(day * DAY_MS).toISOString().slice(0, 10)} `;
    }
    const buffer = this.buffer;
    at = writeAscii(buffer, at, this.dayText);
    let rest = startMs - day * DAY_MS;
    const hours = Math.floor(rest / 3_600_000);
    rest -= hours * 3_600_000;
    const minutes = Math.floor(rest / 60_000);
    rest -= minutes * 60_000;
    const seconds = Math.floor(rest / 1000);
    const millis = rest - seconds * 1000;
    at = writeTwoDigits(buffer, at, hours);
    buffer[at++] = COLON;
    at = writeTwoDigits(buffer, at, minutes);
    buffer[at++] = COLON;
    at = writeTwoDigits(buffer, at, seconds);
    buffer[at++] = DOT;
    buffer[at++] = 48 + Math.floor(millis / 100);
    at = writeTwoDigits(buffer, at, millis % 100);
    buffer[at++] = PLUS;
    buffer[at++] = 48;
    buffer[at++] = 48;
    return at;
  }
}

const DAY_MS = 86_400_000;
const TAB = 9;
const COLON = 58;
const DOT = 46;
const PLUS = 43;
const NEWLINE = 10;
const BACKSLASH = 92;

/** Writes an ASCII string's bytes at `at` (a short string: faster than Buffer#write); returns the position after them. */
function writeAscii(buffer: Buffer, at: number, text: string): number {
  for (let index = 0; index < text.length; index += 1) buffer[at++] = text.charCodeAt(index);
  return at;
}

/** A value (\N for none) and, when given, a tab and its quality; returns the position after them. */
function writeUsageAndQuality(buffer: Buffer, at: number, usage: string | null, quality: StoredQuality | undefined): number {
  if (usage === null) {
    buffer[at++] = BACKSLASH;
    buffer[at++] = 78; // N
  } else at = writeAscii(buffer, at, usage);
  if (quality !== undefined) {
    buffer[at++] = TAB;
    at = writeAscii(buffer, at, quality);
  }
  return at;
}

function writeTwoDigits(buffer: Buffer, at: number, value: number): number {
  buffer[at++] = 48 + Math.floor(value / 10);
  buffer[at++] = 48 + (value % 10);
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
