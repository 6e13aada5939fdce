import type { DatabaseHandle } from '../db/connection';
import { refreshHourlyRollup } from '../db/timescale';
import type { Logger } from '../logger';
import { renewDataVersions } from './staging.repository';

/** What a committed write changed: its meters and the span [firstStartMs, lastEndMs) of their readings. */
export interface ChangedReadings {
  meterIds: string[];
  firstStartMs: number;
  lastEndMs: number;
}

/**
 * After a write that changed readings has committed (an upload, a revert, an estimation run), on
 * TimescaleDB: the hourly rollup is brought up to date over the span, and the meters get a new data
 * version once more, because an answer read from the rollup between the commit and the refresh held
 * the old hourly sums under the commit's version, and caches keyed by it must drop it. The write
 * has succeeded by then: a failure of either is logged, never turned into a failure the client
 * would send again (the rollup is real-time and its policy refreshes the span later).
 */
export async function catchUpRollup(database: DatabaseHandle, changed: ChangedReadings, logger: Logger, context: { source: string }): Promise<void> {
  if (changed.meterIds.length === 0) return;
  await refreshHourlyRollup(database.db, changed.firstStartMs, changed.lastEndMs).catch((error: unknown) =>
    logger.warn({ err: error, ...context }, 'write committed, but the hourly rollup refresh failed; its refresh policy will catch up'),
  );
  await renewDataVersions(database.pool, changed.meterIds).catch((error: unknown) =>
    logger.warn({ err: error, ...context }, 'write committed, but renewing the data versions after the rollup refresh failed'),
  );
}
