import { acceptedTimeZones, isValidTimeZone, narrowTimeZones } from '@meterusage/time';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { Logger } from '../logger';
import { listDatabaseTimeZones } from './time-zones.repository';

/**
 * Start-up check of the one zone list: drops (and logs) the listed zones this database does not
 * know, so every side refuses them with INVALID_ARGUMENT / 400 instead of failing later. A
 * database with older or newer tzdata still starts (a few renamed zones should not take the
 * service down); only a default zone (CSV_TIMEZONE) that fell off the list stops it.
 */
export async function checkTimeZones(db: Kysely<Database>, defaultTimeZone: string, logger: Logger): Promise<void> {
  const removed = narrowTimeZones(await listDatabaseTimeZones(db));
  const accepted = acceptedTimeZones().length;
  if (removed.length > 0) {
    logger.warn({ removed, accepted }, `${removed.length} time zones the database does not know are refused: ${removed.slice(0, 10).join(', ')}`);
  } else {
    logger.info({ accepted }, `${accepted} time zones accepted (known to PostgreSQL and the runtime)`);
  }
  if (!isValidTimeZone(defaultTimeZone)) {
    throw new Error(`CSV_TIMEZONE "${defaultTimeZone}" is not a time zone the database knows`);
  }
}
