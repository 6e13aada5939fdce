import { readFile } from 'node:fs/promises';
import type { DatabaseHandle } from '../db/connection';
import type { Logger } from '../logger';
import { refreshHourlyRollup } from '../db/timescale';
import { findMeter, METER_DEFAULTS } from '../meters/meters.repository';
import { insertNewReadings, type LoadResult } from '../readings/readings.writer';
import { parseReadingsCsv, type RowError } from './csv-parser';

/** The seed file could not be used; nothing was written. */
export class SeedError extends Error {
  constructor(
    message: string,
    readonly rowErrors: RowError[] = [],
  ) {
    super(message);
    this.name = 'SeedError';
  }
}

export interface SeedOptions {
  csvPath: string;
  meterId: string;
  timeZone: string;
  /** Refresh TimescaleDB's hourly rollup over what was written (see refreshHourlyRollup). */
  refreshRollup?: boolean;
}

const ERRORS_SHOWN = 10;

/**
 * Loads the start-up CSV into the default meter. Idempotent: intervals already stored are left
 * as they are, so restarts neither duplicate readings nor undo later corrections. Any invalid
 * row stops the seed before anything is written.
 */
export async function seedFromCsv(database: DatabaseHandle, options: SeedOptions, logger: Logger): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(options.csvPath, 'utf8');
  } catch (error) {
    throw new SeedError(`cannot read CSV_PATH ${options.csvPath}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  // The meter's own settings say how long an interval is and which end the file's times label;
  // a meter that does not exist yet gets the defaults when the readings are written.
  const meter = (await findMeter(database.db, options.meterId)) ?? METER_DEFAULTS;
  const { readings, errors } = parseReadingsCsv(text, {
    timeZone: options.timeZone,
    intervalSeconds: meter.interval_seconds,
    timeLabel: meter.time_label,
  });
  if (errors.length > 0) {
    const shown = errors.slice(0, ERRORS_SHOWN).map((error) => `line ${error.line} (${error.field}): ${error.reason}`);
    const more = errors.length > ERRORS_SHOWN ? `\n  … and ${errors.length - ERRORS_SHOWN} more` : '';
    throw new SeedError(
      `${options.csvPath}: ${errors.length} invalid row(s), nothing was loaded:\n  ${shown.join('\n  ')}${more}`,
      errors,
    );
  }
  const result = await insertNewReadings(database.pool, options.meterId, readings);
  if (options.refreshRollup && result.inserted > 0) {
    let firstMs = Infinity;
    let lastMs = -Infinity;
    for (const { intervalStartMs } of readings) {
      firstMs = Math.min(firstMs, intervalStartMs);
      lastMs = Math.max(lastMs, intervalStartMs);
    }
    await refreshHourlyRollup(database.db, firstMs, lastMs + meter.interval_seconds * 1000);
  }
  const missing = readings.filter((reading) => reading.usage === null).length;
  logger.info(
    { csvPath: options.csvPath, meterId: options.meterId, rows: result.received, missing, inserted: result.inserted },
    result.inserted === 0 ? 'seed already loaded' : 'seed loaded',
  );
  return result;
}
