import { bucketBoundaries, type BucketWidthName } from '@meterusage/time';
import { InvalidArgumentError } from '../errors';
import { INSTANT_LIMITS, type TimeRange } from '../meters/resolve-range';

/** Most buckets one AggregateUsage call returns: 15-minute buckets for about 2.8 years. */
export const MAX_BUCKETS = 100_000;

// A plan holds numbers only (no object per bucket): a year in 15-minute buckets is 35,040 of them,
// alive until the answer is encoded, and objects that live that long make every collection slow.
export interface BucketPlan {
  /** The range the buckets aggregate: the requested one, with omitted bounds snapped outward to whole buckets. */
  range: TimeRange;
  /** Ascending bucket boundaries: bucket i is [boundsMs[i], boundsMs[i + 1]), for i below count. */
  boundsMs: number[];
  count: number;
  /** Whether the range (or the limits of years 1–9999) cut bucket i. */
  isClipped(index: number): boolean;
}

/**
 * The buckets covering a range in a zone. A bound the request omitted moves outward to the edge
 * of its bucket, so edge buckets are whole and their counts true; a bound it gave cuts its
 * bucket (clipped). Bucket edges beyond 0001-01-01T00:00:00Z–9999-12-31T23:59:59.999Z are clamped
 * there and the bucket marked clipped, so every instant stays printable as RFC 3339.
 */
export function planBuckets(range: TimeRange, explicit: { start: boolean; end: boolean }, width: BucketWidthName, timeZone: string): BucketPlan {
  const rawBounds = bucketBoundaries(timeZone, width, range.startMs, range.endMs);
  if (rawBounds.length - 1 > MAX_BUCKETS) throw tooManyBuckets(rawBounds.length - 1);
  const boundsMs = rawBounds.map((bound) => Math.min(Math.max(bound, INSTANT_LIMITS.minMs), INSTANT_LIMITS.maxMs));
  const snapped: TimeRange = {
    startMs: explicit.start ? range.startMs : boundsMs[0]!,
    endMs: explicit.end ? range.endMs : boundsMs[boundsMs.length - 1]!,
  };
  const isClipped = (index: number) => {
    const [startMs, endMs] = [boundsMs[index]!, boundsMs[index + 1]!];
    const clamped = rawBounds[index] !== startMs || rawBounds[index + 1] !== endMs;
    return clamped || startMs < snapped.startMs || endMs > snapped.endMs;
  };
  return { range: snapped, boundsMs, count: boundsMs.length - 1, isClipped };
}

/** The range would give more than MAX_BUCKETS buckets (refused before any work when the shortest bucket already says so). */
export function tooManyBuckets(count: number): InvalidArgumentError {
  return new InvalidArgumentError(
    'bucket_width',
    `the range would give about ${count} buckets, more than ${MAX_BUCKETS}: choose a wider bucket or a shorter range`,
  );
}
