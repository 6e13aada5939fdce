import type { UsageBucket } from '../gen/meterusage/v1/aggregate';
import type { UsageBucketFields } from '../usage-bucket-wire';

/** A generated UsageBucket as the plain fields the hand-written codec reads and writes (tests only). */
export function fieldsOf(message: UsageBucket): UsageBucketFields {
  return {
    startMs: message.start?.getTime(),
    endMs: message.end?.getTime(),
    sum: message.sum,
    mean: message.mean,
    min: message.min,
    max: message.max,
    presentCount: message.presentCount,
    expectedCount: message.expectedCount,
    clipped: message.clipped,
    estimatedCount: message.estimatedCount,
    editedCount: message.editedCount,
  };
}
