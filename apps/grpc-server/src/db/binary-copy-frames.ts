// The framing of `COPY … TO STDOUT (FORMAT binary)`: a signature and header, then per row a field
// count and each field as a 32-bit length (−1 for NULL) and its bytes, then a trailer of −1. Rows
// are handed over in place (positions into the chunk), whole, however the chunks cut them; what a
// row holds is its reader's business.

// "PGCOPY\n\377\r\n\0", then 32-bit flags and the length of a header extension.
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER_FIXED_BYTES = SIGNATURE.length + 8;
const TRAILER = -1;

/** A field's length when it is NULL. */
export const NULL_LENGTH = -1;

/** Called per whole row: field i is buffer[starts[i] … starts[i] + lengths[i]), or NULL when lengths[i] is NULL_LENGTH. Valid during the call only. */
export type BinaryCopyRowReader = (buffer: Buffer, starts: Int32Array, lengths: Int32Array) => void;

/**
 * Feeds the COPY's chunks in order; hands each whole row of `fields` fields to onRow. A row cut
 * between chunks waits for the next one (only its bytes are kept).
 */
export class BinaryCopyFrames {
  private pending: Buffer | undefined;
  private headerRead = false;
  private ended = false;
  private readonly starts: Int32Array;
  private readonly lengths: Int32Array;

  constructor(
    private readonly fields: number,
    private readonly onRow: BinaryCopyRowReader,
  ) {
    this.starts = new Int32Array(fields);
    this.lengths = new Int32Array(fields);
  }

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
    if (fields !== this.fields) throw new Error(`COPY row has ${fields} fields, expected ${this.fields}`);
    // Field lengths first, so nothing is read from a row that is not whole.
    let at = pos + 2;
    const { starts, lengths } = this;
    for (let field = 0; field < fields; field++) {
      if (at + 4 > length) return -1;
      const fieldLength = buffer.readInt32BE(at);
      at += 4;
      starts[field] = at;
      lengths[field] = fieldLength;
      if (fieldLength > 0) at += fieldLength;
      if (at > length) return -1;
    }
    this.onRow(buffer, starts, lengths);
    return at;
  }
}
