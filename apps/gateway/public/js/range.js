// Ranges and buckets: presets, shifting, zoom snapping and the bucket picked for a range.
// Ranges are half-open [fromMs, toMs) like the API's.
import {
  addDays,
  addMonths,
  formatDate,
  formatInstant,
  isLocalMidnight,
  isoWeekday,
  localDate,
  startOfDate,
} from './time-zone.js';

const MINUTE_MS = 60_000;

/** The API's bucket widths, finest first; `approxMs` only sizes ranges (months and DST days vary). */
export const BUCKETS = [
  { id: '15m', label: '15 minutes', per: 'per 15 min', approxMs: 15 * MINUTE_MS },
  { id: 'hour', label: 'Hour', per: 'per hour', approxMs: 60 * MINUTE_MS },
  { id: 'day', label: 'Day', per: 'per day', approxMs: 1440 * MINUTE_MS },
  { id: 'week', label: 'Week', per: 'per week', approxMs: 7 * 1440 * MINUTE_MS },
  { id: 'month', label: 'Month', per: 'per month', approxMs: 30.44 * 1440 * MINUTE_MS },
];

export const PRESETS = [
  { id: 'day', label: 'Day' },
  { id: 'week', label: 'Week' },
  { id: 'month', label: 'Month' },
  { id: 'all', label: 'All data' },
];

/** A chart stays readable and quick up to about this many buckets when the bucket is picked for the user. */
const AUTO_MAX_BUCKETS = 3_100;
/** A bucket the user chose is kept across range changes while the new range holds this many. */
const KEEP_MIN_BUCKETS = 7;
const KEEP_MAX_BUCKETS = 40_000;

export function isBucket(id) {
  return BUCKETS.some((bucket) => bucket.id === id);
}

export function bucketInfo(id) {
  return BUCKETS.find((bucket) => bucket.id === id) ?? BUCKETS[0];
}

/** Approximate number of buckets of a width in a range. */
export function bucketCount(spanMs, bucketId) {
  return Math.ceil(spanMs / bucketInfo(bucketId).approxMs);
}

/** The finest width that keeps the chart at about 3,000 buckets at most: 15 min for a month, days for a year. */
export function autoBucket(spanMs) {
  return (BUCKETS.find((bucket) => bucketCount(spanMs, bucket.id) <= AUTO_MAX_BUCKETS) ?? BUCKETS[BUCKETS.length - 1]).id;
}

/** After a range change: keep the current width while it gives a sensible count, else pick one. */
export function bucketForRange(currentId, spanMs) {
  if (currentId !== undefined && isBucket(currentId)) {
    const count = bucketCount(spanMs, currentId);
    if (count >= KEEP_MIN_BUCKETS && count <= KEEP_MAX_BUCKETS) return currentId;
  }
  return autoBucket(spanMs);
}

/** A range bound as the URL and the API take it: a plain date when it is a local midnight, else RFC 3339. */
export function formatBound(ms, timeZone) {
  return isLocalMidnight(ms, timeZone) ? formatDate(localDate(ms, timeZone)) : formatInstant(ms, timeZone);
}

/** Reads a bound as the API would ("2019-01-17" = local midnight in the zone); undefined when unreadable. */
export function parseBound(text, timeZone) {
  if (typeof text !== 'string' || text === '') return undefined;
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (date !== null) {
    const [year, month, day] = date.slice(1).map(Number);
    if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
    return startOfDate({ year, month, day }, timeZone);
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The calendar day, ISO week (from Monday) or month in the zone that holds the instant. */
export function presetRange(presetId, instantMs, timeZone) {
  const date = localDate(instantMs, timeZone);
  if (presetId === 'day') return calendarRange(date, addDays(date, 1), timeZone);
  if (presetId === 'week') {
    const monday = addDays(date, -isoWeekday(date));
    return calendarRange(monday, addDays(monday, 7), timeZone);
  }
  const first = { ...date, day: 1 };
  return calendarRange(first, addMonths(first, 1), timeZone);
}

function calendarRange(fromDate, toDate, timeZone) {
  return { fromMs: startOfDate(fromDate, timeZone), toMs: startOfDate(toDate, timeZone) };
}

/** Which preset a range is exactly (for aria-pressed), or undefined. */
export function presetOf(fromMs, toMs, timeZone) {
  for (const preset of ['day', 'week', 'month']) {
    const range = presetRange(preset, fromMs, timeZone);
    if (range.fromMs === fromMs && range.toMs === toMs) return preset;
  }
  return undefined;
}

/**
 * The range moved one length earlier (-1) or later (+1): by whole months or days when the bounds are
 * local midnights (so a month steps to the next month and a day keeps 00:00 across DST), else by its duration.
 */
export function shiftRange(fromMs, toMs, direction, timeZone) {
  if (isLocalMidnight(fromMs, timeZone) && isLocalMidnight(toMs, timeZone)) {
    const from = localDate(fromMs, timeZone);
    const to = localDate(toMs, timeZone);
    if (from.day === 1 && to.day === 1) {
      const months = (to.year - from.year) * 12 + (to.month - from.month);
      return calendarRange(addMonths(from, direction * months), addMonths(to, direction * months), timeZone);
    }
    const days = Math.round((Date.UTC(to.year, to.month - 1, to.day) - Date.UTC(from.year, from.month - 1, from.day)) / 86_400_000);
    return calendarRange(addDays(from, direction * days), addDays(to, direction * days), timeZone);
  }
  const length = toMs - fromMs;
  return { fromMs: fromMs + direction * length, toMs: toMs + direction * length };
}
