/** 2^32, for joining the two 32-bit halves of a 64-bit varint. */
const TWO_32 = 4_294_967_296;
/** A Date's time value range: beyond it new Date(ms) is invalid (NaN). */
const MAX_TIME_VALUE_MS = 8.64e15;
const UTF8 = new TextDecoder();

/**
 * What the hand-written readers of bulk messages share: protobuf's primitives over one encoded
 * buffer, reading as the generated decode does; malformed input (a field running past its end,
 * field number 0, groups) throws. A subclass reads one message kind between two offsets.
 */
export abstract class WireReader {
  private readonly view: DataView;
  protected pos = 0;
  protected end = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Starts reading the message encoded in bytes[from, to). */
  protected begin(from: number, to: number): void {
    this.pos = from;
    this.end = to;
  }

  /** The low 32 bits of a varint of up to ten bytes, unsigned (as protobuf reads uint32). */
  protected varint32(): number {
    let result = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      const byte = this.byte();
      if (shift < 32) result |= (byte & 0x7f) << shift;
      if (byte < 0x80) return result >>> 0;
    }
    throw new Error('malformed varint');
  }

  /** A varint read as a signed 64-bit integer; refused beyond ±2^53, as ts-proto refuses it. */
  protected int64(): number {
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

  protected varintIsNonZero(): boolean {
    let nonZero = false;
    for (let count = 0; count < 10; count++) {
      const byte = this.byte();
      if ((byte & 0x7f) !== 0) nonZero = true;
      if (byte < 0x80) return nonZero;
    }
    throw new Error('malformed varint');
  }

  protected double(): number {
    if (this.pos + 8 > this.end) throw new Error('malformed message: premature end');
    const value = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return value;
  }

  /** A Timestamp as the Date ts-proto makes of it: seconds·1000 + nanos/10^6, truncated; NaN outside a Date's range. */
  protected timestamp(): number {
    const length = this.varint32();
    const to = this.pos + length;
    if (to > this.end) throw new Error('malformed message: premature end');
    const messageEnd = this.end;
    this.end = to; // the Timestamp's fields must end where it does
    let seconds = 0;
    let nanos = 0;
    while (this.pos < to) {
      const tag = this.varint32();
      if (tag === 8) seconds = this.int64();
      else if (tag === 16) nanos = this.varint32() | 0;
      else this.skip(tag);
    }
    this.end = messageEnd;
    const ms = seconds * 1000 + nanos / 1_000_000;
    return Math.abs(ms) > MAX_TIME_VALUE_MS ? Number.NaN : Math.trunc(ms) + 0;
  }

  /** A length-delimited string field's value, as UTF-8 (malformed sequences replaced, as the generated decode does). */
  protected string(): string {
    const length = this.varint32();
    const to = this.pos + length;
    if (to > this.end) throw new Error('malformed message: premature end');
    const text = UTF8.decode(this.bytes.subarray(this.pos, to));
    this.pos = to;
    return text;
  }

  /** Skips an unknown field; groups (deprecated, never sent) are refused. */
  protected skip(tag: number): void {
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

  protected byte(): number {
    if (this.pos >= this.end) throw new Error('malformed message: premature end');
    return this.bytes[this.pos++]!;
  }
}
