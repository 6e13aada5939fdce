// The aggregates of the buckets holding readings, as columns of numbers rather than an object per
// bucket: a year in 15-minute buckets is 35,040 of them, alive until the answer is encoded, and
// objects that live that long make every collection slow. Filled from a binary COPY's rows (the
// server) or from rows packed by PostgreSQL (engines without COPY: PGlite in the TimescaleDB tests).
import { NULL_LENGTH } from '../db/binary-copy-frames';

/** Aggregates of the readings of one bucket; buckets without readings have no row. */
export interface BucketRow {
  /** Index of the bucket: 0 is [boundsMs[0], boundsMs[1]). */
  bucket_index: number;
  sum: number | null;
  mean: number | null;
  min: number | null;
  max: number | null;
  present_count: number;
  /** Of present_count, the estimated and the edited values. */
  estimated_count: number;
  edited_count: number;
}

/** The columns a bucket's statement selects, in order: an int4, four float8 (NULL without values), three int4. */
export const BUCKET_FIELDS = 8;

// The packed form: the same eight values big-endian as int4send/float8send write them, 0 for NULL.
const PACKED_BUCKET_BYTES = 4 + 4 * 8 + 3 * 4;

/** The rows, ascending by bucket_index. */
export class BucketRows {
  private length_ = 0;
  private readonly bucketIndex: Int32Array;
  private readonly sums: Float64Array;
  private readonly means: Float64Array;
  private readonly mins: Float64Array;
  private readonly maxes: Float64Array;
  private readonly presentCounts: Int32Array;
  private readonly estimatedCounts: Int32Array;
  private readonly editedCounts: Int32Array;

  /** Room for capacity rows (at most one per bucket). */
  constructor(capacity: number) {
    this.bucketIndex = new Int32Array(capacity);
    this.sums = new Float64Array(capacity);
    this.means = new Float64Array(capacity);
    this.mins = new Float64Array(capacity);
    this.maxes = new Float64Array(capacity);
    this.presentCounts = new Int32Array(capacity);
    this.estimatedCounts = new Int32Array(capacity);
    this.editedCounts = new Int32Array(capacity);
  }

  /** Rows packed by PostgreSQL (PACKED_BUCKET_BYTES each). */
  static fromPacked(packed: Uint8Array): BucketRows {
    if (packed.byteLength % PACKED_BUCKET_BYTES !== 0)
      throw new Error(`packed bucket aggregates of ${packed.byteLength} bytes, not a multiple of ${PACKED_BUCKET_BYTES}`);
    const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
    const rows = new BucketRows(packed.byteLength / PACKED_BUCKET_BYTES);
    for (let offset = 0; offset < packed.byteLength; offset += PACKED_BUCKET_BYTES) {
      rows.push(
        view.getInt32(offset),
        view.getFloat64(offset + 4),
        view.getFloat64(offset + 12),
        view.getFloat64(offset + 20),
        view.getFloat64(offset + 28),
        view.getInt32(offset + 36),
        view.getInt32(offset + 40),
        view.getInt32(offset + 44),
      );
    }
    return rows;
  }

  get length(): number {
    return this.length_;
  }

  /** Adds a row of a binary COPY of the bucket statement (binary-copy-frames.ts); rows must come in bucket order. */
  pushCopyRow(buffer: Buffer, starts: Int32Array, lengths: Int32Array): void {
    for (let field = 0; field < BUCKET_FIELDS; field++) {
      const expected = field >= 1 && field <= 4 ? 8 : 4;
      if (lengths[field] !== expected && !(expected === 8 && lengths[field] === NULL_LENGTH)) {
        throw new Error(`bucket COPY field ${field} is ${lengths[field]} bytes, expected ${expected}`);
      }
    }
    this.push(
      buffer.readInt32BE(starts[0]),
      doubleField(buffer, starts, lengths, 1),
      doubleField(buffer, starts, lengths, 2),
      doubleField(buffer, starts, lengths, 3),
      doubleField(buffer, starts, lengths, 4),
      buffer.readInt32BE(starts[5]),
      buffer.readInt32BE(starts[6]),
      buffer.readInt32BE(starts[7]),
    );
  }

  bucketIndexAt(position: number): number {
    return this.bucketIndex[position]!;
  }

  /** The row at position; its aggregates are null when it holds no value (present_count 0), as SQL's are. */
  at(position: number): BucketRow {
    const presentCount = this.presentCounts[position]!;
    const present = presentCount !== 0;
    return {
      bucket_index: this.bucketIndex[position]!,
      sum: present ? this.sums[position]! : null,
      mean: present ? this.means[position]! : null,
      min: present ? this.mins[position]! : null,
      max: present ? this.maxes[position]! : null,
      present_count: presentCount,
      estimated_count: this.estimatedCounts[position]!,
      edited_count: this.editedCounts[position]!,
    };
  }

  private push(bucketIndex: number, sum: number, mean: number, min: number, max: number, present: number, estimated: number, edited: number): void {
    const at = this.length_;
    if (at >= this.bucketIndex.length) throw new Error(`more bucket rows than the ${this.bucketIndex.length} buckets asked for`);
    if (at > 0 && bucketIndex <= this.bucketIndex[at - 1]!) throw new Error('bucket rows out of order');
    this.bucketIndex[at] = bucketIndex;
    this.sums[at] = sum;
    this.means[at] = mean;
    this.mins[at] = min;
    this.maxes[at] = max;
    this.presentCounts[at] = present;
    this.estimatedCounts[at] = estimated;
    this.editedCounts[at] = edited;
    this.length_ = at + 1;
  }
}

/** A float8 field of a COPY row, 0 for NULL (as the packed form writes it; present_count tells). */
function doubleField(buffer: Buffer, starts: Int32Array, lengths: Int32Array, field: number): number {
  return lengths[field] === NULL_LENGTH ? 0 : buffer.readDoubleBE(starts[field]);
}
