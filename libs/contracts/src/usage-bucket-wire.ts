// UsageBucket on the wire, read and written straight from plain numbers. A year in 15-minute
// buckets is 35,040 of them: through the generated code each costs two Dates, two Timestamp
// messages, a BigInt per seconds field and a forked BinaryWriter, which made the collector and the
// codec the largest costs of a big answer in both apps. These produce the very bytes of
// UsageBucket.encode and, for well-formed input, read what UsageBucket.decode reads (tests hold
// them to both); malformed input (a field running past its end, field number 0, groups) throws.

/** A UsageBucket as plain numbers; times are epoch milliseconds (as a Date would hold them). */
export interface UsageBucketFields {
  startMs?: number;
  endMs?: number;
  sum?: number;
  mean?: number;
  min?: number;
  max?: number;
  presentCount: number;
  expectedCount: number;
  clipped: boolean;
}

const TWO_32 = 4_294_967_296;
/** A Date's time value range: beyond it new Date(ms) is invalid (NaN). */
const MAX_TIME_VALUE_MS = 8.64e15;

/** A growable byte buffer with the few protobuf writes a UsageBucket needs. */
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

  /**
   * bucket as a length-delimited field (tag: its key byte). A bucket is at most 108 bytes (two
   * timestamps of 24, four doubles of 9, two int32s of 11, a bool of 2), so its length is one byte.
   */
  usageBucket(tag: number, bucket: UsageBucketFields): void {
    this.reserve(2 + 128);
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
    if (bucket.clipped) {
      this.buffer[this.pos++] = 72;
      this.buffer[this.pos++] = 1;
    }
    this.buffer[lengthAt] = this.pos - lengthAt - 1;
  }

  // google.protobuf.Timestamp as ts-proto writes a Date: seconds truncated toward zero, nanos
  // with the sign of the remainder; each omitted when zero.
  private timestamp(tag: number, ms: number): void {
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

/** Reads UsageBuckets out of one encoded message as UsageBucket.decode does; malformed bytes throw. */
export class UsageBucketReader {
  private readonly view: DataView;
  private pos = 0;
  private end = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** The bucket encoded in bytes[from, to). */
  read(from: number, to: number): UsageBucketFields {
    this.pos = from;
    this.end = to;
    const bucket: UsageBucketFields = { presentCount: 0, expectedCount: 0, clipped: false };
    while (this.pos < to) {
      const tag = this.varint32();
      switch (tag) {
        case 10:
          bucket.startMs = this.timestamp();
          break;
        case 18:
          bucket.endMs = this.timestamp();
          break;
        case 25:
          bucket.sum = this.double();
          break;
        case 33:
          bucket.mean = this.double();
          break;
        case 41:
          bucket.min = this.double();
          break;
        case 49:
          bucket.max = this.double();
          break;
        case 56:
          bucket.presentCount = this.varint32() | 0;
          break;
        case 64:
          bucket.expectedCount = this.varint32() | 0;
          break;
        case 72:
          bucket.clipped = this.varintIsNonZero();
          break;
        default:
          this.skip(tag);
      }
    }
    return bucket;
  }

  /** The low 32 bits of a varint of up to ten bytes, unsigned (as protobuf reads uint32). */
  private varint32(): number {
    let result = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      const byte = this.byte();
      if (shift < 32) result |= (byte & 0x7f) << shift;
      if (byte < 0x80) return result >>> 0;
    }
    throw new Error('malformed varint');
  }

  /** A varint read as a signed 64-bit integer; refused beyond ±2^53, as ts-proto refuses it. */
  private int64(): number {
    let lo = 0;
    let hi = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      const byte = this.byte();
      if (shift < 28) lo |= (byte & 0x7f) << shift;
      else if (shift === 28) {
        lo |= (byte & 0x0f) << 28;
        hi |= (byte & 0x7f) >>> 4;
      } else hi |= (byte & 0x7f) << (shift - 32);
      if (byte < 0x80) {
        const value = (hi | 0) * TWO_32 + (lo >>> 0);
        if (!Number.isSafeInteger(value)) throw new Error('int64 value is beyond Number.MAX_SAFE_INTEGER');
        return value;
      }
    }
    throw new Error('malformed varint');
  }

  private varintIsNonZero(): boolean {
    let nonZero = false;
    for (let count = 0; count < 10; count++) {
      const byte = this.byte();
      if ((byte & 0x7f) !== 0) nonZero = true;
      if (byte < 0x80) return nonZero;
    }
    throw new Error('malformed varint');
  }

  private double(): number {
    if (this.pos + 8 > this.end) throw new Error('malformed message: premature end');
    const value = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return value;
  }

  /** A Timestamp as the Date ts-proto makes of it: seconds·1000 + nanos/10^6, truncated; NaN outside a Date's range. */
  private timestamp(): number {
    const length = this.varint32();
    const to = this.pos + length;
    if (to > this.end) throw new Error('malformed message: premature end');
    const bucketEnd = this.end;
    this.end = to; // the Timestamp's fields must end where it does
    let seconds = 0;
    let nanos = 0;
    while (this.pos < to) {
      const tag = this.varint32();
      if (tag === 8) seconds = this.int64();
      else if (tag === 16) nanos = this.varint32() | 0;
      else this.skip(tag);
    }
    this.end = bucketEnd;
    const ms = seconds * 1000 + nanos / 1_000_000;
    return Math.abs(ms) > MAX_TIME_VALUE_MS ? Number.NaN : Math.trunc(ms) + 0;
  }

  /** Skips an unknown field; groups (deprecated, never sent) are refused. */
  private skip(tag: number): void {
    const wireType = tag & 7;
    if (tag >>> 3 === 0) throw new Error('malformed message: field number 0');
    if (wireType === 0) this.varint32();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) {
      const length = this.varint32();
      this.pos += length;
    } else if (wireType === 5) this.pos += 4;
    else throw new Error(`malformed message: wire type ${wireType} is not accepted here`);
    if (this.pos > this.end) throw new Error('malformed message: premature end');
  }

  private byte(): number {
    if (this.pos >= this.end) throw new Error('malformed message: premature end');
    return this.bytes[this.pos++]!;
  }
}
