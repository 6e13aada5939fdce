// Reading on the wire, read straight into plain numbers (ProtoSink.reading writes it). A month of
// one meter is 2,976 readings and an export a million: through the generated code each costs
// three Dates and three Timestamp messages on each side. For well-formed input the reader reads
// what Reading.decode reads (tests hold it to that).
import { WireReader } from './wire-reader';

/** A Reading as plain numbers; times are epoch milliseconds, quality a ReadingQuality value. */
export interface ReadingFields {
  timeMs?: number;
  startMs?: number;
  endMs?: number;
  usage?: number;
  missing: boolean;
  quality: number;
  /** The upload that wrote the value; '' when none is known. */
  uploadId: string;
}

/** Reads Readings out of one encoded message as Reading.decode does; malformed bytes throw. */
export class ReadingReader extends WireReader {
  /** The reading encoded in bytes[from, to). */
  read(from: number, to: number): ReadingFields {
    this.begin(from, to);
    // Every field from the start: one object shape for all readings, which V8 reads and builds fastest.
    const reading: ReadingFields = { timeMs: undefined, startMs: undefined, endMs: undefined, usage: undefined, missing: false, quality: 0, uploadId: '' };
    while (this.pos < to) {
      const tag = this.varint32();
      switch (tag) {
        case 10:
          reading.timeMs = this.timestamp();
          break;
        case 18:
          reading.startMs = this.timestamp();
          break;
        case 26:
          reading.endMs = this.timestamp();
          break;
        case 33:
          reading.usage = this.double();
          break;
        case 40:
          reading.missing = this.varintIsNonZero();
          break;
        case 48:
          reading.quality = this.varint32() | 0;
          break;
        case 58:
          reading.uploadId = this.string();
          break;
        default:
          this.skip(tag);
      }
    }
    return reading;
  }
}
