// The text of large answers (JSON arrays of readings or buckets, export lines) written straight
// into bytes: built as strings, a million export lines cost a string per time, per number and per
// line, then a join and a UTF-8 encoding of the lot, and the garbage collector spent more time on
// them than the writing took (a third of the gateway's time in a 1M-reading export).
import { isoSecondsOfMs, RFC3339_EARLIEST_MS, RFC3339_LATEST_MS } from './iso-seconds';

const DAY_MS = 86_400_000;
// Bytes of the first chunk, doubled for each next one up to CHUNK_BYTES: a small answer takes
// little memory, a large one a list of 64 KiB chunks (each handed on whole, never copied to grow).
const FIRST_CHUNK_BYTES = 1024;
const CHUNK_BYTES = 64 * 1024;
// Shorter strings are copied byte by byte: cheaper than a call into Buffer.write.
const SHORT_STRING = 24;
// Read once: where modules are bundled by esbuild (tsx, the benches) every use of an imported
// constant is a getter call, and these are read for every instant of a large answer.
const EARLIEST = RFC3339_EARLIEST_MS;
const LATEST = RFC3339_LATEST_MS;

// Readings and buckets come in time order, so consecutive instants share their day: the bytes of
// its "YYYY-MM-DDT" are computed once per day rather than a toISOString() per instant.
let cachedDay = Number.NaN;
const cachedDayPrefix = Buffer.alloc(11);

/**
 * A growable list of byte chunks with the writes the text of large answers needs. Everything but
 * utf8() takes ASCII only: numbers, RFC 3339 times, enum names and JSON punctuation.
 */
export class TextSink {
  private readonly chunks: Buffer[] = [];
  private buffer = Buffer.alloc(0);
  private pos = 0;
  private nextChunkBytes = FIRST_CHUNK_BYTES;
  private handedOn = 0;

  /** Bytes written so far. */
  get length(): number {
    return this.handedOn + this.pos;
  }

  /** ASCII text (every code unit below 128; anything else would be written wrong). */
  ascii(text: string): void {
    const length = text.length;
    this.reserve(length);
    if (length > SHORT_STRING) {
      this.pos += this.buffer.write(text, this.pos, 'latin1');
      return;
    }
    for (let index = 0; index < length; index++) this.buffer[this.pos++] = text.charCodeAt(index);
  }

  /** One ASCII character by its code. */
  byte(code: number): void {
    this.reserve(1);
    this.buffer[this.pos++] = code;
  }

  /** Bytes as they are (text encoded beforehand, such as a meter id as UTF-8). */
  bytes(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** bytes[start … end) as they are (ASCII text held in a larger buffer, copied without a view of it). */
  byteRange(bytes: Uint8Array, start: number, end: number): void {
    this.reserve(end - start);
    const buffer = this.buffer;
    let pos = this.pos;
    for (let index = start; index < end; index++) buffer[pos++] = bytes[index]!;
    this.pos = pos;
  }

  /** A number as String(value) writes it. */
  number(value: number): void {
    this.ascii(String(value));
  }

  /** The text isoSecondsOfMs(ms) returns (or its refusal), fastest for whole seconds inside the API's years. */
  isoSeconds(ms: number): void {
    if (!(ms >= EARLIEST && ms <= LATEST) || ms % 1000 !== 0) {
      this.ascii(isoSecondsOfMs(ms));
      return;
    }
    const day = Math.floor(ms / DAY_MS);
    if (day !== cachedDay) {
      cachedDayPrefix.write(new Date(day * DAY_MS).toISOString().slice(0, 11), 'latin1');
      cachedDay = day;
    }
    this.reserve(20);
    const buffer = this.buffer;
    let pos = this.pos;
    for (let index = 0; index < 11; index++) buffer[pos++] = cachedDayPrefix[index]!;
    const clock = clockTexts();
    let from = ((ms - day * DAY_MS) / 1000) * CLOCK_BYTES;
    for (let index = 0; index < CLOCK_BYTES; index++) buffer[pos++] = clock[from++]!;
    buffer[pos++] = 90; // Z
    this.pos = pos;
  }

  /** Everything written, in order, in chunks; write nothing more after taking them. */
  finish(): Buffer[] {
    if (this.pos > 0) this.chunks.push(this.buffer.subarray(0, this.pos));
    this.pos = 0;
    this.buffer = Buffer.alloc(0);
    return this.chunks;
  }

  private reserve(bytes: number): void {
    if (this.pos + bytes <= this.buffer.length) return;
    if (this.pos > 0) this.chunks.push(this.buffer.subarray(0, this.pos));
    this.handedOn += this.pos;
    this.buffer = Buffer.allocUnsafe(Math.max(this.nextChunkBytes, bytes));
    this.nextChunkBytes = Math.min(CHUNK_BYTES, this.nextChunkBytes * 2);
    this.pos = 0;
  }
}

const CLOCK_BYTES = 8;
let clockTextsOfDay: Buffer | undefined;

/**
 * "HH:MM:SS" of every second of a day, end to end (675 KiB, built on first use): three times a line
 * of a large export, copying 8 bytes costs less than the divisions that compute them.
 */
function clockTexts(): Buffer {
  if (clockTextsOfDay !== undefined) return clockTextsOfDay;
  const texts = Buffer.alloc((DAY_MS / 1000) * CLOCK_BYTES);
  let pos = 0;
  for (let hour = 0; hour < 24; hour++) {
    for (let minute = 0; minute < 60; minute++) {
      for (let second = 0; second < 60; second++) {
        pos = twoDigits(texts, pos, hour);
        texts[pos++] = 58; // :
        pos = twoDigits(texts, pos, minute);
        texts[pos++] = 58;
        pos = twoDigits(texts, pos, second);
      }
    }
  }
  return (clockTextsOfDay = texts);
}

function twoDigits(buffer: Buffer, pos: number, value: number): number {
  buffer[pos] = 48 + Math.floor(value / 10);
  buffer[pos + 1] = 48 + (value % 10);
  return pos + 2;
}
