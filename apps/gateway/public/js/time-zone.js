// Wall-clock arithmetic in any IANA time zone, with nothing but Intl. Instants are epoch
// milliseconds; a wall clock is { year, month (1-12), day, hour, minute, second }.

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const partFormatters = new Map();

function partFormatter(timeZone) {
  let formatter = partFormatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    partFormatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Whether the browser knows the zone (a URL may carry anything). */
export function isValidTimeZone(timeZone) {
  try {
    partFormatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's local date and time at an instant. */
export function wallClock(ms, timeZone) {
  const clock = {};
  for (const part of partFormatter(timeZone).formatToParts(ms)) {
    if (part.type !== 'literal') clock[part.type] = Number(part.value);
  }
  return { year: clock.year, month: clock.month, day: clock.day, hour: clock.hour, minute: clock.minute, second: clock.second };
}

/** Local time minus UTC at an instant, in ms (+3,600,000 for Europe/Amsterdam in winter). */
export function offsetMs(ms, timeZone) {
  const clock = wallClock(ms, timeZone);
  const asUtc = Date.UTC(clock.year, clock.month - 1, clock.day, clock.hour, clock.minute, clock.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant a wall clock names in the zone. A time repeated by a DST change is its earlier
 * instant; a time skipped by one moves forward by the gap (02:30 → 03:30), as browsers do.
 */
export function fromWallClock({ year, month, day, hour = 0, minute = 0, second = 0 }, timeZone) {
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  const candidates = [asUtc - offsetMs(asUtc - DAY_MS, timeZone), asUtc - offsetMs(asUtc + DAY_MS, timeZone)].sort((a, b) => a - b);
  const matches = (ms) => {
    const clock = wallClock(ms, timeZone);
    return Date.UTC(clock.year, clock.month - 1, clock.day, clock.hour, clock.minute, clock.second) === asUtc;
  };
  return candidates.find(matches) ?? candidates[0];
}

/** The calendar date `days` after the given one (days may be negative). */
export function addDays({ year, month, day }, days) {
  const date = new Date(Date.UTC(year, month - 1, day + days));
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

/** The first day of the month `months` after the given date's month. */
export function addMonths({ year, month }, months) {
  const date = new Date(Date.UTC(year, month - 1 + months, 1));
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: 1 };
}

/** Monday 0 … Sunday 6 of a calendar date. */
export function isoWeekday({ year, month, day }) {
  return (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7;
}

/** The calendar date of an instant in the zone. */
export function localDate(ms, timeZone) {
  const { year, month, day } = wallClock(ms, timeZone);
  return { year, month, day };
}

/** The local midnight starting a date in the zone. */
export function startOfDate(date, timeZone) {
  return fromWallClock({ ...date, hour: 0, minute: 0, second: 0 }, timeZone);
}

/** Whether an instant is a local midnight in the zone. */
export function isLocalMidnight(ms, timeZone) {
  return startOfDate(localDate(ms, timeZone), timeZone) === ms;
}

const pad = (value, width = 2) => String(value).padStart(width, '0');

/** "2019-01-17" */
export function formatDate({ year, month, day }) {
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

/** "2019-01-17T03:30:00+01:00" (or …Z at offset zero): the instant, written in the zone. */
export function formatInstant(ms, timeZone) {
  const clock = wallClock(ms, timeZone);
  const offset = offsetMs(ms, timeZone);
  const sign = offset < 0 ? '-' : '+';
  const minutes = Math.abs(offset) / 60_000;
  const zone = offset === 0 ? 'Z' : `${sign}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
  return `${formatDate(clock)}T${pad(clock.hour)}:${pad(clock.minute)}:${pad(clock.second)}${zone}`;
}

/** "2019-01-17T03:30", the value format of <input type="datetime-local">. */
export function toDateTimeLocal(ms, timeZone) {
  const clock = wallClock(ms, timeZone);
  return `${formatDate(clock)}T${pad(clock.hour)}:${pad(clock.minute)}`;
}

/** Parses an <input type="datetime-local"> value as a wall clock in the zone; undefined if malformed. */
export function fromDateTimeLocal(value, timeZone) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value);
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part ?? 0));
  return fromWallClock({ year, month, day, hour, minute, second }, timeZone);
}
