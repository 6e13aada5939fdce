import { isMeterId, METER_ID_RULE } from '@meterusage/meters';
import type { DatabaseHandle } from '../db/connection';
import { InvalidArgumentError, NotFoundError, quoted } from '../errors';
import { findDataVersion, findMeter, type MeterRow, type MeterVersionRow } from './meters.repository';

/**
 * The meter a request names (empty = the default meter): INVALID_ARGUMENT for a malformed id,
 * NOT_FOUND for one that does not exist.
 */
export async function requireMeter(db: DatabaseHandle['db'], requestedId: string, defaultMeterId: string): Promise<MeterRow> {
  const meterId = requestedMeterId(requestedId, defaultMeterId);
  return (await findMeter(db, meterId)) ?? meterNotFound(meterId);
}

/** The data version of the meter a request names, refused as requireMeter refuses. */
export async function requireDataVersion(db: DatabaseHandle['db'], requestedId: string, defaultMeterId: string): Promise<MeterVersionRow> {
  const meterId = requestedMeterId(requestedId, defaultMeterId);
  return (await findDataVersion(db, meterId)) ?? meterNotFound(meterId);
}

/** The id a request names (empty = the default meter), or INVALID_ARGUMENT when it is malformed. */
function requestedMeterId(requestedId: string, defaultMeterId: string): string {
  const meterId = requestedId === '' ? defaultMeterId : requestedId;
  if (!isMeterId(meterId)) {
    throw new InvalidArgumentError('meter_id', `must be ${METER_ID_RULE}, got ${quoted(meterId)}`);
  }
  return meterId;
}

function meterNotFound(meterId: string): never {
  throw new NotFoundError('meter', meterId);
}
