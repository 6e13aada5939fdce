// Numbers and times for people, in the browser's locale; times always in the view's zone.
import { startOfCalendarUnit, wallClockAt } from '@meterusage/time';

const numberFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
const countFormat = new Intl.NumberFormat(undefined);
const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();

function cached(key: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  let format = dateTimeFormats.get(key);
  if (format === undefined) {
    format = make();
    dateTimeFormats.set(key, format);
  }
  return format;
}

const dateTimeFormat = (timeZone: string) =>
  cached(
    `dt ${timeZone}`,
    () =>
      new Intl.DateTimeFormat(undefined, { timeZone, weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }),
  );
const compactFormat = (timeZone: string) =>
  cached(
    `c ${timeZone}`,
    () => new Intl.DateTimeFormat(undefined, { timeZone, year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }),
  );
const timeFormat = (timeZone: string) => cached(`t ${timeZone}`, () => new Intl.DateTimeFormat(undefined, { timeZone, hour: '2-digit', minute: '2-digit' }));

export function formatNumber(value: number): string {
  return numberFormat.format(value);
}

export function formatCount(value: number): string {
  return countFormat.format(value);
}

/** "53.95 kWh"; "—" when there is no value (never 0). */
export function formatUsage(value: number | null | undefined, unit: string): string {
  return value === undefined || value === null ? '—' : `${numberFormat.format(value)} ${unit}`;
}

/** "Thu, Jan 17, 2019, 02:30" in the zone. */
export function formatDateTime(ms: number, timeZone: string): string {
  return dateTimeFormat(timeZone).format(ms);
}

/** "Jan 17, 2019, 02:30" in the zone: a table cell's date and time. */
export function formatCompactDateTime(ms: number, timeZone: string): string {
  return compactFormat(timeZone).format(ms);
}

/**
 * An interval's start–end in the zone; the end shows only its time when it falls on the start's
 * date. `compact` leaves out the weekday (table rows on a phone).
 */
export function formatSpan(startMs: number, endMs: number, timeZone: string, { compact = false } = {}): string {
  const localDay = (ms: number) => startOfCalendarUnit('day', wallClockAt(ms, timeZone));
  const sameDay = localDay(startMs) === localDay(endMs);
  const format = compact ? compactFormat(timeZone) : dateTimeFormat(timeZone);
  return `${format.format(startMs)} – ${sameDay ? timeFormat(timeZone).format(endMs) : format.format(endMs)}`;
}

/** "2 estimated, 1 edited" of a bucket's or a range's values; empty when there are neither. */
export function formatQualityCounts(estimated: number, edited: number): string {
  const parts: string[] = [];
  if (estimated > 0) parts.push(`${countFormat.format(estimated)} estimated`);
  if (edited > 0) parts.push(`${countFormat.format(edited)} edited`);
  return parts.join(', ');
}

/** "95 of 96" intervals present. */
export function formatPresence(presentCount: number, expectedCount: number): string {
  return `${countFormat.format(presentCount)} of ${countFormat.format(expectedCount)}`;
}
