import { instantOfWallClock, wallClockAt } from './zoned-time';

/** The calendar units of local time: a day, an ISO week (from Monday) and a month. */
export type CalendarUnit = 'day' | 'week' | 'month';

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
// 1970-01-05, the first Monday after the epoch, in wall-clock milliseconds.
const FIRST_MONDAY_MS = 4 * DAY_MS;

/** The wall-clock start (local midnight) of the day, ISO week or month holding a wall-clock time. */
export function startOfCalendarUnit(unit: CalendarUnit, wallClockMs: number): number {
  if (unit === 'day') return Math.floor(wallClockMs / DAY_MS) * DAY_MS;
  if (unit === 'week') return Math.floor((wallClockMs - FIRST_MONDAY_MS) / WEEK_MS) * WEEK_MS + FIRST_MONDAY_MS;
  return addMonths(wallClockMs, 0);
}

/** The wall-clock start of the unit `count` units (negative: earlier) after the one holding wallClockMs. */
export function addCalendarUnits(unit: CalendarUnit, wallClockMs: number, count: number): number {
  if (unit === 'day') return startOfCalendarUnit('day', wallClockMs) + count * DAY_MS;
  if (unit === 'week') return startOfCalendarUnit('week', wallClockMs) + count * WEEK_MS;
  return addMonths(wallClockMs, count);
}

function addMonths(wallClockMs: number, count: number): number {
  const date = new Date(wallClockMs);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0–99 to 1900–1999.
  const start = new Date(0);
  start.setUTCFullYear(date.getUTCFullYear(), date.getUTCMonth() + count, 1);
  return start.getTime();
}

/** The local day, ISO week or month of timeZone holding an instant, as the half-open range of instants [startMs, endMs). */
export function calendarUnitAt(unit: CalendarUnit, utcMs: number, timeZone: string): { startMs: number; endMs: number } {
  const wallClockMs = wallClockAt(utcMs, timeZone);
  return {
    startMs: instantOfWallClock(startOfCalendarUnit(unit, wallClockMs), timeZone),
    endMs: instantOfWallClock(addCalendarUnits(unit, wallClockMs, 1), timeZone),
  };
}

/** Whether an instant is the start of its local day in timeZone (local midnight, or the jump where midnight was skipped). */
export function isStartOfLocalDay(utcMs: number, timeZone: string): boolean {
  return calendarUnitAt('day', utcMs, timeZone).startMs === utcMs;
}
