/**
 * Number of interval starts on the meter's grid (multiples of intervalMs since the epoch) that lie
 * in [startMs, endMs): how many readings a span should hold.
 */
export function expectedIntervals(startMs: number, endMs: number, intervalMs: number): number {
  if (endMs <= startMs) return 0;
  return Math.ceil(endMs / intervalMs) - Math.ceil(startMs / intervalMs);
}
