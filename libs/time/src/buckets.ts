import { utcOffsetFinder } from './zoned-time';

/** The widths usage can be bucketed by. */
export type BucketWidthName = '15m' | 'hour' | 'day' | 'week' | 'month';

const SECOND_MS = 1000;
const QUARTER_HOUR_MS = 900_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
// 1970-01-05, the first Monday after the epoch, in wall-clock milliseconds.
const FIRST_MONDAY_MS = 4 * DAY_MS;
// Every offset the tz database has ever had lies within ±16 h (Manila's LMT before 1845 was −15:56).
const MAX_OFFSET_MS = 16 * HOUR_MS;

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
  else bounds = calendarBoundaries(utcOffsetFinder(timeZone), CALENDAR_UNITS[width], startMs, endMs);
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
    if (stretchEnd < next) push(stretchEnd);
    at = stretchEnd;
    offset = stretchEnd === next ? nextOffset : offsetAt(stretchEnd);
  }
  return bounds;
}

interface CalendarUnit {
  /** Start of the unit holding a wall-clock time (wall-clock ms). */
  floor(wallClockMs: number): number;
  /** Start of the following unit. */
  next(unitStartMs: number): number;
}

const CALENDAR_UNITS: Record<'day' | 'week' | 'month', CalendarUnit> = {
  day: { floor: (ms) => Math.floor(ms / DAY_MS) * DAY_MS, next: (ms) => ms + DAY_MS },
  week: { floor: (ms) => Math.floor((ms - FIRST_MONDAY_MS) / WEEK_MS) * WEEK_MS + FIRST_MONDAY_MS, next: (ms) => ms + WEEK_MS },
  month: {
    floor: (ms) => {
      const date = new Date(ms);
      return monthStart(date.getUTCFullYear(), date.getUTCMonth());
    },
    next: (ms) => {
      const date = new Date(ms);
      return monthStart(date.getUTCFullYear(), date.getUTCMonth() + 1);
    },
  },
};

// Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not.
function monthStart(year: number, month: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month, 1);
  return date.getTime();
}

function calendarBoundaries(offsetAt: (utcMs: number) => number, unit: CalendarUnit, startMs: number, endMs: number): number[] {
  const bounds: number[] = [];
  // One unit before the one the start's local time falls in, so that some boundary is ≤ startMs.
  let unitStart = unit.floor(unit.floor(startMs + offsetAt(startMs)) - 1);
  for (;;) {
    const bound = firstInstantReading(offsetAt, unitStart);
    // A unit the zone skipped starts where the next one does: no empty bucket.
    if (bounds.length === 0 || bound > bounds[bounds.length - 1]!) bounds.push(bound);
    if (bound >= endMs) return bounds;
    unitStart = unit.next(unitStart);
  }
}

/** The first instant at which the local clock reads wallClockMs or later. */
function firstInstantReading(offsetAt: (utcMs: number) => number, wallClockMs: number): number {
  // Any instant showing wallClockMs lies within ±16 h of it; the offsets in force at both ends,
  // and at the instants they point to, are the only candidates.
  const candidates = new Set([offsetAt(wallClockMs - MAX_OFFSET_MS), offsetAt(wallClockMs + MAX_OFFSET_MS)]);
  for (const offset of [...candidates]) candidates.add(offsetAt(wallClockMs - offset));
  const exact = [...candidates].filter((offset) => offsetAt(wallClockMs - offset) === offset).map((offset) => wallClockMs - offset);
  if (exact.length > 0) return Math.min(...exact);
  // A gap (clocks jumped over wallClockMs): the instant of the jump.
  const offsets = [...candidates];
  const from = wallClockMs - Math.max(...offsets);
  const to = wallClockMs - Math.min(...offsets);
  return firstInstant(from, to, (ms) => ms + offsetAt(ms) >= wallClockMs);
}

/** The first whole second in (fromMs, toMs] at which holds(ms) is true, given that it holds at toMs and not at fromMs. */
function firstInstant(fromMs: number, toMs: number, holds: (ms: number) => boolean): number {
  let low = fromMs;
  let high = toMs;
  while (high - low > SECOND_MS) {
    const middle = low + Math.floor((high - low) / 2 / SECOND_MS) * SECOND_MS;
    if (holds(middle)) high = middle;
    else low = middle;
  }
  return high;
}

function trimToRange(bounds: number[], startMs: number, endMs: number): number[] {
  let first = 0;
  while (bounds[first + 1] !== undefined && bounds[first + 1]! <= startMs) first += 1;
  let last = first;
  while (bounds[last]! < endMs) last += 1;
  return bounds.slice(first, last + 1);
}
