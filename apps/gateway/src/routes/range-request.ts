import { isValidTimeZone, notATimeZone } from '@meterusage/time';
import { BadRequestError } from '../errors';
import type { RangeQuery } from './query-schemas';
import { parseInstantParameter } from './time-domain';

/** The gRPC request fields a range query names: meter, start and end instants. */
export interface RangeRequest {
  meterId: string;
  startTime: Date | undefined;
  endTime: Date | undefined;
  /** Absent: now. */
  asOf?: Date | undefined;
}

/**
 * Resolves from/to in the query's time zone: an RFC 3339 timestamp is taken as written, a plain
 * date is local midnight in tz. What the range means (start before end, the meter) is grpc-server's
 * to judge: its field violations come back naming these parameters (errors/http-field-names.ts).
 */
export function toRangeRequest(query: RangeQuery): RangeRequest {
  // tz is checked here, not left to grpc-server: plain dates are resolved in it before any call,
  // and only AggregateUsage carries a zone on (readings, summaries and exports take instants).
  if (!isValidTimeZone(query.tz)) {
    throw new BadRequestError('tz', notATimeZone(query.tz));
  }
  const startTime = parseInstantParameter('from', query.from, query.tz);
  const endTime = parseInstantParameter('to', query.to, query.tz);
  const asOf = parseInstantParameter('as_of', query.as_of, query.tz);
  return { meterId: query.meter ?? '', startTime, endTime, ...(asOf === undefined ? {} : { asOf }) };
}
