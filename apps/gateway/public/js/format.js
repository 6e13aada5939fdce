// Numbers and times for people, in the browser's locale; times always in the view's zone.
import { localDate } from './time-zone.js';

const numberFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
const countFormat = new Intl.NumberFormat(undefined);
const dateTimeFormats = new Map();

function cached(key, make) {
  let format = dateTimeFormats.get(key);
  if (format === undefined) {
    format = make();
    dateTimeFormats.set(key, format);
  }
  return format;
}

const dateTimeFormat = (timeZone) =>
  cached(`dt ${timeZone}`, () => new Intl.DateTimeFormat(undefined, { timeZone, weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }));
const compactFormat = (timeZone) =>
  cached(`c ${timeZone}`, () => new Intl.DateTimeFormat(undefined, { timeZone, year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }));
const timeFormat = (timeZone) => cached(`t ${timeZone}`, () => new Intl.DateTimeFormat(undefined, { timeZone, hour: '2-digit', minute: '2-digit' }));

export function formatNumber(value) {
  return numberFormat.format(value);
}

export function formatCount(value) {
  return countFormat.format(value);
}

/** "53.95 kWh"; "—" when there is no value (never 0). */
export function formatUsage(value, unit) {
  return value === undefined || value === null ? '—' : `${numberFormat.format(value)} ${unit}`;
}

/** "Thu, Jan 17, 2019, 02:30" in the zone. */
export function formatDateTime(ms, timeZone) {
  return dateTimeFormat(timeZone).format(ms);
}

/**
 * An interval's start–end in the zone; the end shows only its time when it falls on the start's
 * date. `compact` leaves out the weekday (table rows on a phone).
 */
export function formatSpan(startMs, endMs, timeZone, { compact = false } = {}) {
  const start = localDate(startMs, timeZone);
  const end = localDate(endMs, timeZone);
  const sameDay = start.year === end.year && start.month === end.month && start.day === end.day;
  const format = compact ? compactFormat(timeZone) : dateTimeFormat(timeZone);
  return `${format.format(startMs)} – ${sameDay ? timeFormat(timeZone).format(endMs) : format.format(endMs)}`;
}

/** "95 of 96" intervals present. */
export function formatPresence(presentCount, expectedCount) {
  return `${countFormat.format(presentCount)} of ${countFormat.format(expectedCount)}`;
}
