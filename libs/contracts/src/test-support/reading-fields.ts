import type { Reading } from '../gen/meterusage/v1/reading';
import type { ReadingFields } from '../reading-wire';

/** A generated Reading as the plain fields the hand-written codec reads and writes (tests only). */
export function readingFieldsOf(message: Reading): ReadingFields {
  return {
    timeMs: message.time?.getTime(),
    startMs: message.start?.getTime(),
    endMs: message.end?.getTime(),
    usage: message.usage,
    missing: message.missing,
    quality: message.quality,
    uploadId: message.uploadId,
  };
}
