import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { DatabaseHandle } from '../db/connection';
import type { StorageFeatures } from '../db/timescale';
import type { Logger } from '../logger';
import { EVERY_METER } from './upload-meters';
import { ingestCsv, type IngestResult } from './ingest-csv';
import type { RowError } from './row-error';

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
}

const ERRORS_SHOWN = 10;

/**
 * Loads the start-up CSV into the default meter through the same path as every upload, with
 * on_conflict=skip: intervals already stored keep their values, so restarts neither duplicate
 * readings nor undo later corrections. Atomic: any invalid row stops the seed, nothing written.
 */
export async function seedFromCsv(database: DatabaseHandle, options: SeedOptions, deps: { storage: StorageFeatures; logger: Logger }): Promise<IngestResult> {
  try {
    await access(options.csvPath);
  } catch (error) {
    throw new SeedError(`cannot read CSV_PATH ${options.csvPath}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const digest = createHash('sha256');
  const receivedAt = new Date();
  async function* fileBytes(): AsyncGenerator<Buffer> {
    for await (const chunk of createReadStream(options.csvPath, { highWaterMark: 256 * 1024 })) {
      digest.update(chunk as Buffer);
      yield chunk as Buffer;
    }
  }
  const result = await ingestCsv(
    database,
    fileBytes(),
    {
      // As before the meter_id rule: a seed file is the operator's own, so its meter_id column (if
      // any) decides, without a cap on the meters it creates.
      meterId: undefined,
      defaultMeterId: options.meterId,
      unit: undefined,
      timeZone: options.timeZone,
      onConflict: 'skip',
      mode: 'atomic',
      timeLabel: undefined,
      maxNewMeters: Number.MAX_SAFE_INTEGER,
      sourceName: options.csvPath,
      writeGrant: EVERY_METER,
      // Recorded when it changed something: a restart that finds the file stored adds no record.
      origin: {
        receivedAt,
        source: 'seed',
        caller: EVERY_METER.keyName,
        fileName: path.basename(options.csvPath),
        sha256: () => digest.copy().digest('hex'),
        onlyIfChanged: true,
      },
    },
    deps,
  );
  if (!result.committed && result.errors.length > 0) {
    const shown = result.errors.slice(0, ERRORS_SHOWN).map((error) => `line ${error.line} (${error.field}): ${error.reason}`);
    const more = result.rejected > ERRORS_SHOWN ? `\n  … and ${result.rejected - ERRORS_SHOWN} more` : '';
    throw new SeedError(
      `${options.csvPath}: ${Math.max(result.rejected, 1)} invalid row(s), nothing was loaded:\n  ${shown.join('\n  ')}${more}`,
      result.errors,
    );
  }
  deps.logger.info(
    { csvPath: options.csvPath, meterId: options.meterId, rows: result.accepted, inserted: result.inserted, skipped: result.skipped },
    result.inserted === 0 ? 'seed already loaded' : 'seed loaded',
  );
  return result;
}
