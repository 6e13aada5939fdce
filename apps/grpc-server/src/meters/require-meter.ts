import { isMeterId, METER_ID_RULE } from '@meterusage/meters';
import type { DatabaseHandle } from '../db/connection';
import { InvalidArgumentError, NotFoundError, quoted } from '../errors';
import { findMeter, type MeterRow } from './meters.repository';

/**
 * The meter a request names (empty = the default meter): INVALID_ARGUMENT for a malformed id,
 * NOT_FOUND for one that does not exist.
 */
export async function requireMeter(db: DatabaseHandle['db'], requestedId: string, defaultMeterId: string): Promise<MeterRow> {
  const meterId = requestedId === '' ? defaultMeterId : requestedId;
  if (!isMeterId(meterId)) {
    throw new InvalidArgumentError('meter_id', `must be ${METER_ID_RULE}, got ${quoted(meterId)}`);
  }
  const meter = await findMeter(db, meterId);
  if (meter === undefined) throw new NotFoundError('meter', meterId);
  return meter;
}
