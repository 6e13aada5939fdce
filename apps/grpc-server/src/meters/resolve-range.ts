import type { DatabaseHandle } from '../db/connection';
import { InvalidArgumentError } from '../errors';
import { findDataSpan, type MeterRow } from './meters.repository';

/** A half-open range [startMs, endMs) of interval starts, in epoch milliseconds. */
export interface TimeRange {
  startMs: number;
  endMs: number;
}

/**
 * The bounds a request gives, checked without the database: each within the instants the API speaks
 * of and, when both are given, start before end. Call it before looking anything up, so a malformed
 * range is INVALID_ARGUMENT whatever else the request names.
 */
export function requestedRange(startTime: Date | undefined, endTime: Date | undefined): { startMs: number | undefined; endMs: number | undefined } {
  const startMs = validInstant('start_time', startTime);
  const endMs = validInstant('end_time', endTime);
  if (startMs !== undefined && endMs !== undefined && startMs >= endMs) {
    throw new InvalidArgumentError('start_time', `must be before end_time (${new Date(startMs).toISOString()} is not before ${new Date(endMs).toISOString()})`);
  }
  return { startMs, endMs };
}

/**
 * The range a request asks for: absent bounds become the meter's first interval start and last
 * interval end. Returns undefined when the range holds nothing (no data and no explicit bounds,
 * or an open bound beyond the data). The bounds given are checked by requestedRange.
 */
export async function resolveRange(
  db: DatabaseHandle['db'],
  meter: MeterRow,
  startTime: Date | undefined,
  endTime: Date | undefined,
  asOfMs?: number,
): Promise<TimeRange | undefined> {
  const requested = requestedRange(startTime, endTime);
  if (requested.startMs !== undefined && requested.endMs !== undefined) return { startMs: requested.startMs, endMs: requested.endMs };
  const span = await findDataSpan(db, meter.meter_id, asOfMs);
  if (span === undefined) return undefined;
  const startMs = requested.startMs ?? span.firstStartMs;
  const endMs = requested.endMs ?? span.lastStartMs + meter.interval_seconds * 1000;
  return startMs < endMs ? { startMs, endMs } : undefined;
}

/**
 * The instants the API speaks of: years 1–9999, protobuf Timestamp's range and RFC 3339's four-digit
 * years (PostgreSQL's timestamptz covers 4713 BC to 294276 AD). Bucket edges beyond are clamped here.
 */
export const INSTANT_LIMITS = { minMs: Date.parse('0001-01-01T00:00:00Z'), maxMs: Date.parse('9999-12-31T23:59:59.999Z') } as const;

function validInstant(field: string, value: Date | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = value.getTime();
  if (!Number.isFinite(ms) || ms < INSTANT_LIMITS.minMs || ms > INSTANT_LIMITS.maxMs) throw new InvalidArgumentError(field, 'must be between years 1 and 9999');
  return ms;
}

/**
 * The as_of of a read request in epoch ms: undefined for now (absent), INVALID_ARGUMENT outside the
 * API's instants or in the future (a read of a moment still to come would change as it arrives).
 * nowMs is the server's clock.
 */
export function requestedAsOf(asOf: Date | undefined, nowMs: number = Date.now()): number | undefined {
  const ms = validInstant('as_of', asOf);
  if (ms !== undefined && ms > nowMs)
    throw new InvalidArgumentError('as_of', `must not be in the future (${new Date(ms).toISOString()} is after the server's clock)`);
  return ms;
}
