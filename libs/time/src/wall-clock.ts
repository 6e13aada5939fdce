// Wall-clock times without a zone: the local fields of a date and time encoded as if they were
// UTC (Date.UTC(year, month, …)), so calendar arithmetic is plain arithmetic and the fields read
// back with getUTCFullYear() and friends. zoned-time.ts turns them into instants.

/** Date.UTC without its quirk: years 0-99 stay years 0-99 (Date.UTC(99, 0) is 1999); month is 1-12. */
export function wallClockMsOf(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const date = new Date(Date.UTC(2000, 0, 1, hour, minute, second));
  date.setUTCFullYear(year, month - 1, day);
  return date.getTime();
}

/** A "YYYY-MM-DD" date of the calendar as the wall-clock milliseconds of its midnight; undefined if it is not one. */
export function parsePlainDate(text: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (match === null) return undefined;
  return validWallClock(Number(match[1]), Number(match[2]), Number(match[3]), 0, 0, 0);
}

/** A "YYYY-MM-DDTHH:mm" or "YYYY-MM-DDTHH:mm:ss" local time (an <input type="datetime-local"> value) as wall-clock milliseconds; undefined if malformed. */
export function parseWallClock(text: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  return validWallClock(year, month, day, hour, minute, second);
}

function validWallClock(year: number, month: number, day: number, hour: number, minute: number, second: number): number | undefined {
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = wallClockMsOf(year, month, day, hour, minute, second);
  const check = new Date(ms);
  // Date rolls 2019-02-29 over to March 1: a field that changed means the date does not exist.
  return check.getUTCFullYear() === year && check.getUTCMonth() === month - 1 && check.getUTCDate() === day ? ms : undefined;
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** "2019-01-17": the calendar date of a wall-clock time (years 0-9999). */
export function formatPlainDate(wallClockMs: number): string {
  const date = new Date(wallClockMs);
  return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

/** "2019-01-17T03:30:00", or "2019-01-17T03:30" to the minute (the <input type="datetime-local"> format). */
export function formatWallClock(wallClockMs: number, precision: 'minute' | 'second' = 'second'): string {
  const date = new Date(wallClockMs);
  const minutes = `${formatPlainDate(wallClockMs)}T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}`;
  return precision === 'minute' ? minutes : `${minutes}:${pad(date.getUTCSeconds())}`;
}
