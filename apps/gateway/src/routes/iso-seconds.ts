import { HttpStatusError } from '../errors';
import { EARLIEST_MS, LATEST_MS } from './time-domain';

/**
 * "2019-01-01T00:15:00Z": RFC 3339 in UTC, without milliseconds when they are zero. A time outside
 * years 0001-9999 has no such form (toISOString would write "+010000-01-01T00:00:00.000Z"): the
 * answer is refused instead (400 OUT_OF_RANGE), e.g. a month bucket ending in year 10000.
 */
export function isoSecondsOfMs(ms: number): string {
  if (ms < EARLIEST_MS || ms > LATEST_MS) throw outsideTimeDomain(ms);
  const iso = new Date(ms).toISOString(); // throws a RangeError for an invalid time, as before
  return ms % 1000 === 0 ? `${iso.slice(0, -5)}Z` : iso;
}

function outsideTimeDomain(ms: number): HttpStatusError {
  const side = ms < EARLIEST_MS ? 'before 0001-01-01T00:00:00Z' : 'after 9999-12-31T23:59:59.999Z';
  return new HttpStatusError(
    400,
    'OUT_OF_RANGE',
    `the answer would hold a time ${side} (such as the end of a bucket), which RFC 3339 cannot write; narrow the range`,
  );
}
