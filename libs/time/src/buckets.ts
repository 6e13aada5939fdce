import { addCalendarUnits, type CalendarUnit } from './calendar';
import { firstInstant, firstInstantReading, utcOffsetFinder } from './zoned-time';

/** The widths usage can be bucketed by, by the names the HTTP API uses, finest first. */
export const BUCKET_WIDTH_NAMES = ['15m', 'hour', 'day', 'week', 'month'] as const;
/** One of BUCKET_WIDTH_NAMES. */
export type BucketWidthName = (typeof BUCKET_WIDTH_NAMES)[number];

const SECOND_MS = 1000;
const QUARTER_HOUR_MS = 900_000;
const HOUR_MS = 3_600_000;

/**
 * The boundaries of the buckets that cover [startMs, endMs) in timeZone, ascending and distinct:
 * b[0] ≤ startMs < b[1] < … < b[n−1] < endMs ≤ b[n], so bucket i is [b[i], b[i+1]) and the
 * buckets partition the range with no gap, overlap or empty bucket. The first and last buckets
 * may reach beyond the range (and beyond years 1–9999: callers clamp).
 *
 * - 15m: UTC quarter hours (every zone's offset today is a multiple of 15 minutes).
 * - hour: a stretch in which the local date, the local hour and the UTC offset stay the same.
 *   Normally one hour from a local HH:00; a change of offset always ends one, so a 30-minute
 *   DST change (Australia/Lord_Howe) gives a 30-minute bucket, a repeated hour gives two buckets
 *   and a skipped hour none.
 * - day, week (ISO, from Monday), month: from the first instant the local clock reads the unit's
 *   first midnight or later, to the first instant it reads the next unit's first midnight or
 *   later. A DST day is 23 or 25 hours long; a day the zone skipped (Pacific/Apia 2011-12-30) has
 *   no bucket; a repeated day belongs to the day it repeats.
 */
export function bucketBoundaries(timeZone: string, width: BucketWidthName, startMs: number, endMs: number): number[] {
  if (!(startMs < endMs)) throw new RangeError(`empty range [${startMs}, ${endMs})`);
  let bounds: number[];
  if (width === '15m') bounds = fixedBoundaries(QUARTER_HOUR_MS, startMs, endMs);
  else if (width === 'hour') bounds = hourBoundaries(utcOffsetFinder(timeZone), startMs, endMs);
  else bounds = calendarBoundaries(utcOffsetFinder(timeZone), width, startMs, endMs);
  return trimToRange(bounds, startMs, endMs);
}

function fixedBoundaries(stepMs: number, startMs: number, endMs: number): number[] {
  const bounds: number[] = [];
  for (let bound = Math.floor(startMs / stepMs) * stepMs; ; bound += stepMs) {
    bounds.push(bound);
    if (bound >= endMs) return bounds;
  }
}

function hourBoundaries(offsetAt: (utcMs: number) => number, startMs: number, endMs: number): number[] {
  // Walk hour by hour from an hour before the range; where the offset differs from one step to
  // the next, bisect to the second it changed. Each constant-offset stretch contributes the
  // instants its local clock reads HH:00:00, and each change of offset is a boundary itself.
  const bounds: number[] = [];
  const push = (bound: number) => {
    if (bounds.length === 0 || bound > bounds[bounds.length - 1]!) bounds.push(bound);
  };
  const toMs = endMs + HOUR_MS + SECOND_MS;
  let at = Math.floor((startMs - HOUR_MS - SECOND_MS) / SECOND_MS) * SECOND_MS;
  let offset = offsetAt(at);
  while (at < toMs) {
    const next = at + HOUR_MS;
    const nextOffset = offsetAt(next);
    const stretchEnd = nextOffset === offset ? next : firstInstant(at, next, (ms) => offsetAt(ms) !== offset);
    for (let local = Math.ceil((at + offset) / HOUR_MS) * HOUR_MS; local - offset < stretchEnd; local += HOUR_MS) push(local - offset);
    // A change of offset is a boundary, also when it falls exactly on the step's end.
    if (stretchEnd < next || nextOffset !== offset) push(stretchEnd);
    at = stretchEnd;
    offset = stretchEnd === next ? nextOffset : offsetAt(stretchEnd);
  }
  return bounds;
}

function calendarBoundaries(offsetAt: (utcMs: number) => number, unit: CalendarUnit, startMs: number, endMs: number): number[] {
  const bounds: number[] = [];
  // One unit before the one the start's local time falls in, so that some boundary is ≤ startMs.
  let unitStart = addCalendarUnits(unit, startMs + offsetAt(startMs), -1);
  for (;;) {
    const bound = firstInstantReading(offsetAt, unitStart);
    // A unit the zone skipped starts where the next one does: no empty bucket.
    if (bounds.length === 0 || bound > bounds[bounds.length - 1]!) bounds.push(bound);
    if (bound >= endMs) return bounds;
    unitStart = addCalendarUnits(unit, unitStart, 1);
  }
}

function trimToRange(bounds: number[], startMs: number, endMs: number): number[] {
  let first = 0;
  while (bounds[first + 1] !== undefined && bounds[first + 1]! <= startMs) first += 1;
  let last = first;
  while (bounds[last]! < endMs) last += 1;
  return bounds.slice(first, last + 1);
}
