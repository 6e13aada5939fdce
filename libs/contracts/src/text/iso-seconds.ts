// The times the API writes: RFC 3339 in UTC with four-digit years, 0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59.999Z (protobuf Timestamp's range to the millisecond). Both apps write them
// into answers (the gateway's JSON, grpc-server's export lines), so the rule lives here.

/** The first and last instant with an RFC 3339 form of four-digit years, in epoch milliseconds. */
export const RFC3339_EARLIEST_MS = Date.parse('0001-01-01T00:00:00Z');
export const RFC3339_LATEST_MS = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * An answer would hold a time outside years 0001-9999 (such as the end of a bucket or interval in
 * year 10000): each app translates it at its boundary (the gateway's to-http-error.ts: HTTP 400
 * OUT_OF_RANGE; grpc-server's errors.ts: OUT_OF_RANGE, which the gateway answers with 400 too).
 */
export class TimeOutsideRfc3339Error extends RangeError {
  constructor(readonly ms: number) {
    const side = ms < RFC3339_EARLIEST_MS ? 'before 0001-01-01T00:00:00Z' : 'after 9999-12-31T23:59:59.999Z';
    super(`the answer would hold a time ${side} (such as the end of a bucket), which RFC 3339 cannot write; narrow the range`);
    this.name = 'TimeOutsideRfc3339Error';
  }
}

/**
 * "2019-01-01T00:15:00Z": RFC 3339 in UTC, without milliseconds when they are zero. A time outside
 * years 0001-9999 has no such form (toISOString would write "+010000-01-01T00:00:00.000Z"): it
 * throws TimeOutsideRfc3339Error instead.
 */
export function isoSecondsOfMs(ms: number): string {
  if (ms < RFC3339_EARLIEST_MS || ms > RFC3339_LATEST_MS) throw new TimeOutsideRfc3339Error(ms);
  const iso = new Date(ms).toISOString(); // throws a RangeError for an invalid time
  return ms % 1000 === 0 ? `${iso.slice(0, -5)}Z` : iso;
}
