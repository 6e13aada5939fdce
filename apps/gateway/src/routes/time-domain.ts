import { startOfLocalDate } from '@meterusage/time';
import { BadRequestError } from '../errors';

// The times this API reads and writes: RFC 3339 with four-digit years, 0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59.999Z (protobuf Timestamp's range, resolved to the millisecond, which is
// what the gateway's Date and the contract's timestamps carry).

/** The shape of an RFC 3339 timestamp (fields checked separately); the schema's date-time format. */
export const RFC3339_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;
/** The shape of a plain date (local midnight in the request's zone); the schema's date format. */
export const PLAIN_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The first and last instant this API reads or writes, in epoch milliseconds. */
export const EARLIEST_MS = Date.parse('0001-01-01T00:00:00Z');
export const LATEST_MS = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * A from/to parameter as an instant: an RFC 3339 timestamp exactly as written, a plain date as
 * local midnight in timeZone. Every way it can be wrong is a 400 naming the field and the reason;
 * nothing is rounded (sub-millisecond digits are refused, not dropped).
 */
export function parseInstantParameter(field: string, value: string | undefined, timeZone: string): Date | undefined {
  if (value === undefined) return undefined;
  const ms = PLAIN_DATE.test(value) ? localMidnight(field, value, timeZone) : timestampMs(field, value);
  // Checked here although grpc-server checks its instants too: this is where the text becomes an
  // instant (a plain date's midnight can fall outside while its text looks inside), and only here
  // can the refusal quote what was written.
  if (ms < EARLIEST_MS || ms > LATEST_MS) {
    const where = PLAIN_DATE.test(value) ? ` (midnight in ${timeZone})` : '';
    throw new BadRequestError(field, `"${value}"${where} is outside 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z, the times this API handles`);
  }
  return new Date(ms);
}

function localMidnight(field: string, value: string, timeZone: string): number {
  const ms = startOfLocalDate(value, timeZone);
  if (ms === undefined) throw new BadRequestError(field, `"${value}" is not a date of the calendar`);
  return ms;
}

function timestampMs(field: string, value: string): number {
  const match = RFC3339_TIMESTAMP.exec(value);
  const invalid = (why: string) => new BadRequestError(field, `"${value}" ${why}`);
  if (match === null) throw invalid('is not an RFC 3339 timestamp (2019-01-01T00:00:00Z) or a date (2019-01-01)');
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const fraction = match[7] ?? '';
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) throw invalid('is not a date of the calendar');
  if (hour > 23 || minute > 59) throw invalid('is not a time of day');
  if (second > 59) throw invalid(second === 60 ? 'names a leap second, which this API does not handle' : 'is not a time of day');
  if (/[1-9]/.test(fraction.slice(3))) throw invalid('has digits below the millisecond; times are resolved to the millisecond');
  let offsetMinutes = 0;
  if (match[8] !== undefined) {
    const [offsetHours, offsetRest] = [Number(match[9]), Number(match[10])];
    if (offsetHours > 23 || offsetRest > 59) throw invalid('has a UTC offset outside -23:59 to +23:59');
    offsetMinutes = (match[8] === '-' ? -1 : 1) * (offsetHours * 60 + offsetRest);
  }
  const wallClock = new Date(Date.UTC(2000, 0, 1, hour, minute, second, Number(fraction.slice(0, 3).padEnd(3, '0'))));
  wallClock.setUTCFullYear(year, month - 1, day); // Date.UTC would read years 0-99 as 1900-1999
  return wallClock.getTime() - offsetMinutes * 60_000;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
