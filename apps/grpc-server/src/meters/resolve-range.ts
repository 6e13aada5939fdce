import type { DatabaseHandle } from '../db/connection';
import { InvalidArgumentError } from '../errors';
import { findDataSpan, type MeterRow } from './meters.repository';

/** A half-open range [startMs, endMs) of interval starts, in epoch milliseconds. */
export interface TimeRange {
  startMs: number;
  endMs: number;
}

/**
 * The range a request asks for: absent bounds become the meter's first interval start and last
 * interval end. Returns undefined when the range holds nothing (no data and no explicit bounds,
 * or an open bound beyond the data). Both bounds given must satisfy start < end.
 */
export async function resolveRange(
  db: DatabaseHandle['db'],
  meter: MeterRow,
  startTime: Date | undefined,
  endTime: Date | undefined,
): Promise<TimeRange | undefined> {
  const requestedStart = validInstant('start_time', startTime);
  const requestedEnd = validInstant('end_time', endTime);
  if (requestedStart !== undefined && requestedEnd !== undefined) {
    if (requestedStart >= requestedEnd) {
      throw new InvalidArgumentError('start_time', `must be before end_time (${new Date(requestedStart).toISOString()} ≥ ${new Date(requestedEnd).toISOString()})`);
    }
    return { startMs: requestedStart, endMs: requestedEnd };
  }
  const span = await findDataSpan(db, meter.meter_id);
  if (span === undefined) return undefined;
  const startMs = requestedStart ?? span.firstStartMs;
  const endMs = requestedEnd ?? span.lastStartMs + meter.interval_seconds * 1000;
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
