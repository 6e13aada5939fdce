import { isStartOfLocalDay, startOfCalendarUnit } from './calendar';
import { instantOfWallClock, localTimeResolver, wallClockAt } from './zoned-time';

// Period comparison: a range of buckets against the period before it or the year before, aligned
// bucket to bucket by local calendar position. The rules, in the request's time zone:
//   - previous_year moves every local date and time back one year (2024-07-03 10:00 is compared
//     with 2023-07-03 10:00); weeks move back 52 weeks instead, so Monday stays Monday.
//   - previous_period moves back by the range's own length: in months when from and to are both
//     local month starts, in days when both are local midnights, otherwise by the local clock
//     time between them (so 06:00 Monday to 06:00 Monday is a week back even across DST). With
//     week buckets the days round up to whole weeks, so Monday stays Monday.
//   - With a shift in months or days a bucket starting at a local midnight is matched by its date;
//     any other bucket, and every bucket under a clock-time shift, by its local time.
//     A position the other period lacks has no counterpart (null): 29 February against a common
//     year, the 31st against a 30-day month, the hour a spring DST change skips, the second 02:00
//     of an autumn change against a day that had one. Days are compared whole, so a 23- or
//     25-hour day is compared with the same date's 24 hours.
//   - The compared range is the requested one moved the same way; a bound that does not exist
//     there moves forward to the next instant that does (29 February to 1 March). It can come out
//     empty (29 February alone a year back): then nothing is compared.

export const COMPARISON_NAMES = ['previous_period', 'previous_year'] as const;
export type ComparisonName = (typeof COMPARISON_NAMES)[number];

/** How far back the compared period lies. */
export type ComparisonShift = { kind: 'months'; count: number } | { kind: 'days'; count: number } | { kind: 'clock'; ms: number };

const DAY_MS = 86_400_000;
const WEEKS_IN_A_YEAR_DAYS = 52 * 7;

/** The shift from [startMs, endMs) to the period it is compared with (`weekBuckets`: buckets are ISO weeks). */
export function comparisonShift(name: ComparisonName, range: { startMs: number; endMs: number }, timeZone: string, weekBuckets = false): ComparisonShift {
  if (name === 'previous_year') return weekBuckets ? { kind: 'days', count: WEEKS_IN_A_YEAR_DAYS } : { kind: 'months', count: 12 };
  const startWall = wallClockAt(range.startMs, timeZone);
  const endWall = wallClockAt(range.endMs, timeZone);
  if (isStartOfLocalDay(range.startMs, timeZone) && isStartOfLocalDay(range.endMs, timeZone)) {
    const startDay = startOfCalendarUnit('day', startWall);
    const endDay = startOfCalendarUnit('day', endWall);
    const days = Math.round((endDay - startDay) / DAY_MS);
    if (weekBuckets) return { kind: 'days', count: Math.ceil(days / 7) * 7 };
    if (startOfCalendarUnit('month', startDay) === startDay && startOfCalendarUnit('month', endDay) === endDay) {
      return { kind: 'months', count: monthIndex(endDay) - monthIndex(startDay) };
    }
    return { kind: 'days', count: days };
  }
  return { kind: 'clock', ms: endWall - startWall };
}

/** The compared range: both bounds moved back by the shift (a bound that does not exist there moves forward to one that does). */
export function comparedRange(shift: ComparisonShift, range: { startMs: number; endMs: number }, timeZone: string): { startMs: number; endMs: number } {
  const moveBound = (utcMs: number) => {
    const wall = wallClockAt(utcMs, timeZone);
    // A local day start is moved as a date (a day that starts at a DST jump keeps starting there).
    const dayStart = shift.kind !== 'clock' && isStartOfLocalDay(utcMs, timeZone);
    return instantOfWallClock(shiftWallClock(shift, dayStart ? startOfCalendarUnit('day', wall) : wall, true)!, timeZone);
  };
  const startMs = moveBound(range.startMs);
  // Both bounds can land on one instant (29 February alone, a year back): an empty range.
  return { startMs, endMs: Math.max(startMs, moveBound(range.endMs)) };
}

/**
 * For each requested bucket (by its start), the index of the compared bucket at the same local
 * calendar position, or undefined when the compared period has none (see the rules above). No
 * two requested buckets get the same compared one.
 */
export function alignBuckets(
  requestedStartsMs: readonly number[],
  comparedStartsMs: readonly number[],
  shift: ComparisonShift,
  timeZone: string,
): Array<number | undefined> {
  const comparedIndex = new Map(comparedStartsMs.map((startMs, index) => [startMs, index]));
  const resolve = localTimeResolver(timeZone);
  const taken = new Set<number>();
  return requestedStartsMs.map((startMs) => {
    const target = counterpartStart(startMs, shift, timeZone, resolve);
    const index = target === undefined ? undefined : comparedIndex.get(target);
    if (index === undefined || taken.has(index)) return undefined;
    taken.add(index);
    return index;
  });
}

/** Where the bucket starting at startMs lies in the compared period, undefined when nowhere. */
function counterpartStart(startMs: number, shift: ComparisonShift, timeZone: string, resolve: ReturnType<typeof localTimeResolver>): number | undefined {
  const wall = wallClockAt(startMs, timeZone);
  if (shift.kind !== 'clock' && isStartOfLocalDay(startMs, timeZone)) {
    const date = shiftWallClock(shift, startOfCalendarUnit('day', wall), false);
    return date === undefined ? undefined : instantOfWallClock(date, timeZone);
  }
  const moved = shiftWallClock(shift, wall, false);
  if (moved === undefined) return undefined;
  const here = resolve(wall);
  const later = here.kind === 'ambiguous' && here.laterUtcMs === startMs;
  const there = resolve(moved);
  if (there.kind === 'gap') return undefined;
  if (there.kind === 'exact') return later ? undefined : there.utcMs;
  return later ? there.laterUtcMs : there.earlierUtcMs;
}

/**
 * A wall-clock time moved back by a calendar shift. A date the target month lacks (the 31st, 29
 * February) is undefined, or with `rollOver` the same day count past the month's end (1 March).
 */
function shiftWallClock(shift: ComparisonShift, wallClockMs: number, rollOver: boolean): number | undefined {
  if (shift.kind === 'clock') return wallClockMs - shift.ms;
  if (shift.kind === 'days') return wallClockMs - shift.count * DAY_MS;
  const date = new Date(wallClockMs);
  const moved = new Date(wallClockMs);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0–99 to 1900–1999.
  moved.setUTCFullYear(date.getUTCFullYear(), date.getUTCMonth() - shift.count, date.getUTCDate());
  if (!rollOver && moved.getUTCDate() !== date.getUTCDate()) return undefined;
  return moved.getTime();
}

/** Months since year 0 of a wall-clock time. */
function monthIndex(wallClockMs: number): number {
  const date = new Date(wallClockMs);
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
}
