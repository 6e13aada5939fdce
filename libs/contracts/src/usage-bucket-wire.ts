// UsageBucket on the wire, read straight into plain numbers (ProtoSink.usageBucket writes it). A
// year in 15-minute buckets is 35,040 of them: through the generated code each costs two Dates,
// two Timestamp messages, a BigInt per seconds field and a forked BinaryWriter, which made the
// collector and the codec the largest costs of a big answer in both apps. For well-formed input
// the reader reads what UsageBucket.decode reads (tests hold it to that).
import { WireReader } from './wire-reader';

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
  estimatedCount: number;
  editedCount: number;
}

/** Reads UsageBuckets out of one encoded message as UsageBucket.decode does; malformed bytes throw. */
export class UsageBucketReader extends WireReader {
  /** The bucket encoded in bytes[from, to). */
  read(from: number, to: number): UsageBucketFields {
    this.begin(from, to);
    // Every field from the start: one object shape for all buckets, which V8 reads and builds fastest.
    const bucket: UsageBucketFields = {
      startMs: undefined,
      endMs: undefined,
      sum: undefined,
      mean: undefined,
      min: undefined,
      max: undefined,
      presentCount: 0,
      expectedCount: 0,
      clipped: false,
      estimatedCount: 0,
      editedCount: 0,
    };
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
        case 80:
          bucket.estimatedCount = this.varint32() | 0;
          break;
        case 88:
          bucket.editedCount = this.varint32() | 0;
          break;
        default:
          this.skip(tag);
      }
    }
    return bucket;
  }
}
