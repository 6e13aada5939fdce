import { RFC3339_EARLIEST_MS, RFC3339_LATEST_MS } from '@meterusage/contracts';
import { parseRfc3339Instant, startOfLocalDate, type Rfc3339Refusal } from '@meterusage/time';
import { BadRequestError } from '../errors';

// The times this API reads and writes: RFC 3339 with four-digit years, 0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59.999Z (protobuf Timestamp's range, resolved to the millisecond, which is
// what the gateway's Date and the contract's timestamps carry).

/** The shape of a plain date (local midnight in the request's zone); the schema's date format. */
export const PLAIN_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The first and last instant this API reads or writes, in epoch milliseconds. */
export const EARLIEST_MS = RFC3339_EARLIEST_MS;
export const LATEST_MS = RFC3339_LATEST_MS;

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

// Each way a text is not an RFC 3339 instant (libs/time says which), worded for the 400.
const REFUSALS: Record<Rfc3339Refusal, string> = {
  unparseable: 'is not an RFC 3339 timestamp (2019-01-01T00:00:00Z) or a date (2019-01-01)',
  'invalid-date': 'is not a date of the calendar',
  'invalid-time': 'is not a time of day',
  'leap-second': 'names a leap second, which this API does not handle',
  'sub-millisecond': 'has digits below the millisecond; times are resolved to the millisecond',
  'invalid-offset': 'has a UTC offset outside -23:59 to +23:59',
};

function timestampMs(field: string, value: string): number {
  const parsed = parseRfc3339Instant(value);
  if (parsed.kind !== 'instant') throw new BadRequestError(field, `"${value}" ${REFUSALS[parsed.kind]}`);
  return parsed.ms;
}
