// The protobuf writes of the messages sent in bulk (UsageBucket, Reading, export lines), straight from plain
// numbers: through the generated code each costs Dates, Timestamp messages, a BigInt per seconds
// field and a forked BinaryWriter. They produce the very bytes of the generated encode (tests hold
// them to it).
import type { ReadingFields } from './reading-wire';
import type { UsageBucketFields } from './usage-bucket-wire';

/** 2^32, for splitting a 64-bit varint into two 32-bit halves. */
const TWO_32 = 4_294_967_296;

/** A growable byte buffer with the few protobuf writes the bulk messages need. */
export class ProtoSink {
  private buffer: Buffer;
  private pos = 0;

  /** initialBytes: what the caller expects to write (it grows past that by doubling). */
  constructor(initialBytes = 1024) {
    this.buffer = Buffer.allocUnsafe(Math.max(16, initialBytes));
  }

  /** The bytes written so far (a view of the working buffer: write nothing more after taking it). */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.pos);
  }

  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** A bytes field (tag: its key byte) holding parts end to end, written without joining them first. */
  bytesField(tag: number, parts: readonly Uint8Array[]): void {
    let length = 0;
    for (const part of parts) length += part.length;
    this.reserve(1 + 5 + length); // a length below 2^32 takes at most 5 varint bytes
    this.buffer[this.pos++] = tag;
    this.varint64(length, 0);
    for (const part of parts) {
      this.buffer.set(part, this.pos);
      this.pos += part.length;
    }
  }

  /**
   * bucket as a length-delimited field (tag: its key byte). A bucket is at most 130 bytes (two
   * timestamps of 24, four doubles of 9, four int32s of 11, a bool of 2): one length byte for the
   * usual ones, two for one with negative counts.
   */
  usageBucket(tag: number, bucket: UsageBucketFields): void {
    this.reserve(2 + 132);
    this.buffer[this.pos++] = tag;
    const lengthAt = this.pos++;
    if (bucket.startMs !== undefined) this.timestamp(10, bucket.startMs);
    if (bucket.endMs !== undefined) this.timestamp(18, bucket.endMs);
    if (bucket.sum !== undefined) this.double(25, bucket.sum);
    if (bucket.mean !== undefined) this.double(33, bucket.mean);
    if (bucket.min !== undefined) this.double(41, bucket.min);
    if (bucket.max !== undefined) this.double(49, bucket.max);
    if (bucket.presentCount !== 0) this.int32(56, bucket.presentCount);
    if (bucket.expectedCount !== 0) this.int32(64, bucket.expectedCount);
    if (bucket.clipped) this.bool(72);
    if (bucket.estimatedCount !== 0) this.int32(80, bucket.estimatedCount);
    if (bucket.editedCount !== 0) this.int32(88, bucket.editedCount);
    this.closeLength(lengthAt);
  }

  /**
   * reading as a length-delimited field (tag: its key byte). A reading is at most 96 bytes (three
   * timestamps of 24, a double of 9, a bool of 2, an enum of 11), so its length is one byte.
   */
  reading(tag: number, reading: ReadingFields): void {
    const uploadIdBytes = reading.uploadId === '' ? 0 : Buffer.byteLength(reading.uploadId);
    this.reserve(2 + 128 + uploadIdBytes + 10);
    this.buffer[this.pos++] = tag;
    const lengthAt = this.pos++;
    if (reading.timeMs !== undefined) this.timestamp(10, reading.timeMs);
    if (reading.startMs !== undefined) this.timestamp(18, reading.startMs);
    if (reading.endMs !== undefined) this.timestamp(26, reading.endMs);
    if (reading.usage !== undefined) this.double(33, reading.usage);
    if (reading.missing) this.bool(40);
    if (reading.quality !== 0) this.int32(48, reading.quality);
    if (uploadIdBytes !== 0) {
      this.buffer[this.pos++] = 58;
      this.varint64(uploadIdBytes, 0);
      this.pos += this.buffer.write(reading.uploadId, this.pos, 'utf8');
    }
    this.closeLength(lengthAt);
  }

  /**
   * Writes the length of the message begun after lengthAt, where one byte was left for it: a
   * longer message (a bucket with every count negative, a reading with a long upload id) has its
   * bytes moved up to make room for the longer varint.
   */
  private closeLength(lengthAt: number): void {
    const length = this.pos - lengthAt - 1;
    if (length < 0x80) {
      this.buffer[lengthAt] = length;
      return;
    }
    const extra = length < 0x4000 ? 1 : length < 0x200000 ? 2 : 3;
    this.reserve(extra);
    this.buffer.copyWithin(lengthAt + 1 + extra, lengthAt + 1, this.pos);
    const end = this.pos + extra;
    this.pos = lengthAt;
    this.varint64(length, 0);
    this.pos = end;
  }

  // google.protobuf.Timestamp as ts-proto writes a Date: seconds truncated toward zero, nanos
  // with the sign of the remainder; each omitted when zero. A fraction of a millisecond (a stored
  // time with microseconds) is dropped as new Date(ms) drops it.
  private timestamp(tag: number, fractionalMs: number): void {
    const ms = Math.trunc(fractionalMs) + 0;
    const seconds = Math.trunc(ms / 1000);
    const nanos = (ms % 1000) * 1_000_000;
    this.buffer[this.pos++] = tag;
    const lengthAt = this.pos++;
    if (seconds !== 0) {
      this.buffer[this.pos++] = 8;
      this.varint64(seconds >>> 0, Math.floor(seconds / TWO_32) >>> 0);
    }
    if (nanos !== 0) this.int32(16, nanos);
    this.buffer[lengthAt] = this.pos - lengthAt - 1;
  }

  private double(tag: number, value: number): void {
    this.buffer[this.pos++] = tag;
    this.buffer.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  private bool(tag: number): void {
    this.buffer[this.pos++] = tag;
    this.buffer[this.pos++] = 1;
  }

  /** int32 as protobuf writes it: a negative value as its 64-bit two's complement (ten bytes). */
  private int32(tag: number, value: number): void {
    if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) throw new Error(`invalid int32: ${value}`);
    this.buffer[this.pos++] = tag;
    if (value >= 0) this.varint64(value, 0);
    else this.varint64(value >>> 0, 0xffffffff);
  }

  private varint64(lo: number, hi: number): void {
    while (hi !== 0 || lo > 0x7f) {
      this.buffer[this.pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi = hi >>> 7;
    }
    this.buffer[this.pos++] = lo;
  }

  private reserve(bytes: number): void {
    if (this.pos + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.pos + bytes));
    this.buffer.copy(grown, 0, 0, this.pos);
    this.buffer = grown;
  }
}
