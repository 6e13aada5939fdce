import { isValidTimeZone } from '@meterusage/time';
import { BadRequestError } from '../errors';
import type { RangeQuery } from './query-schemas';
import { parseInstantParameter } from './time-domain';

/** The gRPC request fields a range query names: meter, start and end instants. */
export interface RangeRequest {
  meterId: string;
  startTime: Date | undefined;
  endTime: Date | undefined;
}

/**
 * Resolves from/to in the query's time zone: an RFC 3339 timestamp is taken as written, a plain
 * date is local midnight in tz. Semantic checks the schema cannot do are 400s naming the field.
 */
export function toRangeRequest(query: RangeQuery): RangeRequest {
  if (!isValidTimeZone(query.tz)) {
    throw new BadRequestError('tz', `"${query.tz}" is not an IANA time zone (e.g. UTC, Europe/Amsterdam)`);
  }
  const startTime = parseInstantParameter('from', query.from, query.tz);
  const endTime = parseInstantParameter('to', query.to, query.tz);
  if (startTime !== undefined && endTime !== undefined && startTime >= endTime) {
    throw new BadRequestError('from', `must be before to (${startTime.toISOString()} is not before ${endTime.toISOString()})`);
  }
  return { meterId: query.meter ?? '', startTime, endTime };
}
