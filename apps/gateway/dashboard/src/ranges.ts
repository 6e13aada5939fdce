// Ranges and buckets: presets, shifting, zoom snapping and the bucket picked for a range.
// Ranges are half-open [fromMs, toMs) like the API's. Every zone rule comes from @meterusage/time.
import {
  addCalendarUnits,
  BUCKET_WIDTH_NAMES,
  calendarUnitAt,
  formatInstantInZone,
  formatPlainDate,
  formatWallClock,
  instantOfWallClock,
  isStartOfLocalDay,
  parseTimestamp,
  parseWallClock,
  startOfLocalDate,
  wallClockAt,
  type BucketWidthName,
} from '@meterusage/time';

const MINUTE_MS = 60_000;
const DAY_MS = 1440 * MINUTE_MS;

export interface TimeRange {
  fromMs: number;
  toMs: number;
}

export interface BucketInfo {
  id: BucketWidthName;
  label: string;
  per: string;
  /** Only sizes ranges: months and DST days vary. */
  approxMs: number;
}

const BUCKET_TEXT: Record<BucketWidthName, Omit<BucketInfo, 'id'>> = {
  '15m': { label: '15 minutes', per: 'per 15 min', approxMs: 15 * MINUTE_MS },
  hour: { label: 'Hour', per: 'per hour', approxMs: 60 * MINUTE_MS },
  day: { label: 'Day', per: 'per day', approxMs: DAY_MS },
  week: { label: 'Week', per: 'per week', approxMs: 7 * DAY_MS },
  month: { label: 'Month', per: 'per month', approxMs: 30.44 * DAY_MS },
};

/** The API's bucket widths, finest first. */
export const BUCKETS: readonly BucketInfo[] = BUCKET_WIDTH_NAMES.map((id) => ({ id, ...BUCKET_TEXT[id] }));

export type PresetId = 'day' | 'week' | 'month' | 'all';

export const PRESETS: ReadonlyArray<{ id: PresetId; label: string }> = [
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

export function isBucket(id: string | undefined): id is BucketWidthName {
  return BUCKETS.some((bucket) => bucket.id === id);
}

export function bucketInfo(id: string | undefined): BucketInfo {
  return BUCKETS.find((bucket) => bucket.id === id) ?? BUCKETS[0]!;
}

/** Approximate number of buckets of a width in a range. */
export function bucketCount(spanMs: number, bucketId: string): number {
  return Math.ceil(spanMs / bucketInfo(bucketId).approxMs);
}

/** The finest width that keeps the chart at about 3,000 buckets at most: 15 min for a month, days for a year. */
export function autoBucket(spanMs: number): BucketWidthName {
  return (BUCKETS.find((bucket) => bucketCount(spanMs, bucket.id) <= AUTO_MAX_BUCKETS) ?? BUCKETS[BUCKETS.length - 1]!).id;
}

/** After a range change: keep the current width while it gives a sensible count, else pick one. */
export function bucketForRange(currentId: string | undefined, spanMs: number): BucketWidthName {
  if (isBucket(currentId)) {
    const count = bucketCount(spanMs, currentId);
    if (count >= KEEP_MIN_BUCKETS && count <= KEEP_MAX_BUCKETS) return currentId;
  }
  return autoBucket(spanMs);
}

/** A range bound as the URL and the API take it: a plain date when it starts a local day, else RFC 3339. */
export function formatBound(ms: number, timeZone: string): string {
  return isStartOfLocalDay(ms, timeZone) ? formatPlainDate(wallClockAt(ms, timeZone)) : formatInstantInZone(ms, timeZone);
}

/** Whether a bound is a plain date (local midnight in the view's zone) rather than an instant. */
export function isPlainDateBound(text: string | undefined): boolean {
  return text !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(text);
}

/** Reads a bound as the API would ("2019-01-17" = local midnight in the zone, else RFC 3339 with its offset); undefined when unreadable. */
export function parseBound(text: string | undefined, timeZone: string): number | undefined {
  if (text === undefined || text === '') return undefined;
  if (isPlainDateBound(text)) return startOfLocalDate(text, timeZone);
  // A timestamp names an instant only with its offset; the API refuses one without.
  const parsed = parseTimestamp(text);
  return parsed.kind === 'timestamp' && typeof parsed.offsetMs === 'number' ? parsed.wallClockMs - parsed.offsetMs : undefined;
}

/** "2019-01-17T03:30", the value of an <input type="datetime-local"> showing an instant in the zone. */
export function toDateTimeLocal(ms: number, timeZone: string): string {
  return formatWallClock(wallClockAt(ms, timeZone), 'minute');
}

/** The instant an <input type="datetime-local"> value names in the zone; undefined if empty or malformed. */
export function fromDateTimeLocal(value: string, timeZone: string): number | undefined {
  const wallClockMs = parseWallClock(value);
  return wallClockMs === undefined ? undefined : instantOfWallClock(wallClockMs, timeZone);
}

/** The calendar day, ISO week (from Monday) or month in the zone that holds the instant. */
export function presetRange(presetId: Exclude<PresetId, 'all'>, instantMs: number, timeZone: string): TimeRange {
  const { startMs, endMs } = calendarUnitAt(presetId, instantMs, timeZone);
  return { fromMs: startMs, toMs: endMs };
}

/** Which preset a range is exactly (for aria-pressed), or undefined. */
export function presetOf(fromMs: number, toMs: number, timeZone: string): PresetId | undefined {
  for (const preset of ['day', 'week', 'month'] as const) {
    const range = presetRange(preset, fromMs, timeZone);
    if (range.fromMs === fromMs && range.toMs === toMs) return preset;
  }
  return undefined;
}

/**
 * The range moved one length earlier (-1) or later (+1): by whole months or days when the bounds
 * start local days (so a month steps to the next month and a day keeps 00:00 across DST), else
 * by its duration.
 */
export function shiftRange(fromMs: number, toMs: number, direction: -1 | 1, timeZone: string): TimeRange {
  if (isStartOfLocalDay(fromMs, timeZone) && isStartOfLocalDay(toMs, timeZone)) {
    const from = new Date(wallClockAt(fromMs, timeZone));
    const to = new Date(wallClockAt(toMs, timeZone));
    const [unit, count] =
      from.getUTCDate() === 1 && to.getUTCDate() === 1
        ? (['month', (to.getUTCFullYear() - from.getUTCFullYear()) * 12 + (to.getUTCMonth() - from.getUTCMonth())] as const)
        : (['day', Math.round((to.getTime() - from.getTime()) / DAY_MS)] as const);
    const step = (date: Date) => instantOfWallClock(addCalendarUnits(unit, date.getTime(), direction * count), timeZone);
    return { fromMs: step(from), toMs: step(to) };
  }
  const length = toMs - fromMs;
  return { fromMs: fromMs + direction * length, toMs: toMs + direction * length };
}
