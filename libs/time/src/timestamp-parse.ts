import { parsePlainDate } from './wall-clock';

// Timestamps as text, in two dialects. Data files write "YYYY-MM-DD HH:MM:SS" (or with a T),
// optionally with a fraction and a Z or ±HH:MM offset: parsed into wall-clock milliseconds (see
// wall-clock.ts) plus the offset when one is written; zoned-time.ts resolves the rest. The HTTP
// API reads strict RFC 3339 instants, which always carry their offset: parsed straight to epoch ms.

// YYYY-MM-DD, then 'T' or a space, then HH:MM[:SS[.fraction]], then an optional Z or ±HH:MM offset.
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** What parseTimestamp read from a text, or which way it is not a timestamp. */
export type ParsedTimestamp =
  | {
      kind: 'timestamp';
      /** The written date and time as wall-clock ms (to the millisecond). */
      wallClockMs: number;
      /** The written UTC offset in ms (Z = 0); undefined without one; 'invalid' for one beyond ±23:59. */
      offsetMs: number | 'invalid' | undefined;
      /** Digits below the millisecond that are not all zeros: the time falls between milliseconds. */
      subMillisecond: boolean;
    }
  | { kind: 'unparseable' }
  | { kind: 'invalid-date' };

const UNPARSEABLE: ParsedTimestamp = Object.freeze({ kind: 'unparseable' });
const INVALID_DATE: ParsedTimestamp = Object.freeze({ kind: 'invalid-date' });

/**
 * Any accepted timestamp form. Years before 100 are refused as invalid dates (four digits with
 * two leading zeros are a typo, not antiquity). For the common plain form, try
 * plainWallClockMs first: it is several times faster.
 */
export function parseTimestamp(text: string): ParsedTimestamp {
  const match = TIMESTAMP.exec(text);
  if (match === null) return UNPARSEABLE;
  const [, year, month, day, hour, minute, second = '0', fraction = '', offset] = match;
  // Date.UTC reads years 0-99 as 1900-1999: the year check below then refuses them.
  const wallClockMs = Date.UTC(+year!, +month! - 1, +day!, +hour!, +minute!, +second, Number(fraction.padEnd(3, '0').slice(0, 3)));
  const check = new Date(wallClockMs);
  if (
    check.getUTCFullYear() !== +year! ||
    check.getUTCMonth() !== +month! - 1 ||
    check.getUTCDate() !== +day! ||
    check.getUTCHours() !== +hour! ||
    check.getUTCMinutes() !== +minute! ||
    +second > 59
  ) {
    return INVALID_DATE;
  }
  return {
    kind: 'timestamp',
    wallClockMs,
    offsetMs: offset === undefined ? undefined : offsetMilliseconds(offset),
    subMillisecond: /[1-9]/.test(fraction.slice(3)),
  };
}

/** "Z", "+01:00", "-0530" in ms; 'invalid' for hours above 23 or minutes above 59. */
function offsetMilliseconds(offset: string): number | 'invalid' {
  if (offset.toUpperCase() === 'Z') return 0;
  const sign = offset.startsWith('-') ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4));
  if (hours > 23 || minutes > 59) return 'invalid';
  return sign * (hours * 60 + minutes) * 60_000;
}

/**
 * The shape of an RFC 3339 instant: a four-digit year, seconds, an optional fraction of any
 * length and a Z or ±HH:MM offset (fields checked by parseRfc3339Instant). The HTTP API's
 * date-time format.
 */
export const RFC3339_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** Why a text is not an RFC 3339 instant, in the order parseRfc3339Instant checks. */
export type Rfc3339Refusal = 'unparseable' | 'invalid-date' | 'invalid-time' | 'leap-second' | 'sub-millisecond' | 'invalid-offset';

/** An RFC 3339 instant as epoch milliseconds, or the first reason it is not one. */
export type Rfc3339Instant = { kind: 'instant'; ms: number } | { kind: Rfc3339Refusal };

/**
 * An RFC 3339 instant exactly as written: nothing is rounded (digits below the millisecond are
 * refused, not dropped), a leap second is refused, and the offset must lie within ±23:59. Years
 * 0000-0099 are read as written (no range is imposed here; the caller keeps its own).
 */
export function parseRfc3339Instant(text: string): Rfc3339Instant {
  const match = RFC3339_TIMESTAMP.exec(text);
  if (match === null) return { kind: 'unparseable' };
  // The pattern puts exactly "YYYY-MM-DD" first: the calendar check is parsePlainDate's.
  const midnightMs = parsePlainDate(text.slice(0, 10));
  if (midnightMs === undefined) return { kind: 'invalid-date' };
  const [hour, minute, second] = match.slice(4, 7).map(Number) as [number, number, number];
  const fraction = match[7] ?? '';
  if (hour > 23 || minute > 59 || second > 60) return { kind: 'invalid-time' };
  if (second === 60) return { kind: 'leap-second' };
  if (/[1-9]/.test(fraction.slice(3))) return { kind: 'sub-millisecond' };
  let offsetMinutes = 0;
  if (match[8] !== undefined) {
    const [offsetHours, offsetRest] = [Number(match[9]), Number(match[10])];
    if (offsetHours > 23 || offsetRest > 59) return { kind: 'invalid-offset' };
    offsetMinutes = (match[8] === '-' ? -1 : 1) * (offsetHours * 60 + offsetRest);
  }
  const timeOfDayMs = ((hour * 60 + minute) * 60 + second) * 1000 + Number(fraction.slice(0, 3).padEnd(3, '0'));
  return { kind: 'instant', ms: midnightMs + timeOfDayMs - offsetMinutes * 60_000 };
}

const DAY_MS = 86_400_000;
const DAYS_BEFORE_MONTH = [0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

/**
 * Wall-clock ms of exactly "YYYY-MM-DD HH:MM:SS" (or with a T) holding a valid date and time, by
 * arithmetic, allocating nothing: the fast path of a file's millions of rows. NaN for anything
 * else, which parseTimestamp then reads or refuses. Years before 100 are left to it too.
 */
export function plainWallClockMs(text: string): number {
  if (text.length !== 19) return NaN;
  const separator = text.charCodeAt(10);
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return NaN;
  if (separator !== 32 && separator !== 84 && separator !== 116) return NaN;
  const year = digitsAt(text, 0) * 100 + digitsAt(text, 2);
  const month = digitsAt(text, 5);
  const day = digitsAt(text, 8);
  const hour = digitsAt(text, 11);
  const minute = digitsAt(text, 14);
  const second = digitsAt(text, 17);
  // digitsAt gives a large negative number for a non-digit: every range check below then fails.
  if (year < 100 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return NaN;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const monthDays = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  if (day > monthDays) return NaN;
  // Days since 1970-01-01 of the year's 1 January (proleptic Gregorian), then of the date.
  const y = year - 1;
  const yearDays = 365 * (year - 1970) + (Math.floor(y / 4) - 492) - (Math.floor(y / 100) - 19) + (Math.floor(y / 400) - 4);
  const days = yearDays + DAYS_BEFORE_MONTH[month]! + (leap && month > 2 ? 1 : 0) + day - 1;
  return days * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000;
}

/** The two-digit number at text[at], or -10000 when either character is not a digit. */
function digitsAt(text: string, at: number): number {
  const tens = text.charCodeAt(at) - 48;
  const ones = text.charCodeAt(at + 1) - 48;
  if (tens < 0 || tens > 9 || ones < 0 || ones > 9) return -10_000;
  return tens * 10 + ones;
}
