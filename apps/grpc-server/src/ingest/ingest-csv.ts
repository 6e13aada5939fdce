import type pg from 'pg';
import type { ConflictPolicyName, IngestModeName, TimeLabelName } from '@meterusage/meters';
import type { DatabaseHandle } from '../db/connection';
import type { StorageFeatures } from '../db/timescale';
import type { Logger } from '../logger';
import { StagingRows } from './copy-rows';
import type { CsvRecord } from './csv-row-reader';
import { csvRecordBatches } from './csv-source';
import { committedResult, decideUpload, MAX_REPORTED_ERRORS, resultSummary, rolledBackResult, type IngestResult, type UploadTally } from './ingest-result';
import { ReadingValidator } from './reading-validator';
import type { RowError } from './row-error';
import {
  appendStaging,
  createStaging,
  mergeStaging,
  renewDataVersions,
  StagingCopy,
  storedWithinSpans,
  takeConflicts,
  takeDuplicates,
  type TakenRows,
} from './staging.repository';
import { UploadMeters, type WriteGrant } from './upload-meters';
import { DirectAppend, type DirectAppendHooks } from './direct-append';
import { catchUpRollup } from './rollup-catch-up';
import { CHUNK_LIMITS, StoredComparison, type ChunkLimits } from './stored-comparison';
import { recordReportOf, type UploadOrigin } from '../uploads/upload-record';
import { completeUploadRecord, dropUploadRecord, openUploadRecord, UNKNOWN_DIGEST, type NewUploadRow } from '../uploads/uploads.repository';

export type { IngestResult, MeterIngestCounts } from './ingest-result';

export interface IngestOptions {
  /** The one meter the upload targets (rows naming another are rejected); undefined: each row's meter_id column, or defaultMeterId without one. */
  meterId: string | undefined;
  /** Meter of a file without a meter_id column when meterId is undefined. */
  defaultMeterId: string;
  /** Unit the upload states: new meters get it, existing ones must have it. Undefined: kWh for new meters, any for existing ones. */
  unit: string | undefined;
  /** IANA zone of timestamps without an offset. */
  timeZone: string;
  onConflict: ConflictPolicyName;
  /** atomic: one rejected row and nothing is written; partial: valid rows are written. */
  mode: IngestModeName;
  /** Label convention the upload states: new meters get it, existing ones must have it. Undefined: each meter's own (end for new meters). */
  timeLabel: TimeLabelName | undefined;
  /** Most meters one upload may create (MAX_NEW_METERS_PER_UPLOAD): reading stops at the next one, nothing written. */
  maxNewMeters: number;
  /** For logs: where the data came from. */
  sourceName: string;
  /** The meters the uploader may write (its key's grants). */
  writeGrant: WriteGrant;
  /** Who sent it and how: a committed upload leaves its record (uploads), in its transaction. */
  origin: UploadOrigin;
}

interface IngestDeps {
  storage: StorageFeatures;
  logger: Logger;
  /** The sender gave up: checked last before the commit, so nothing of the upload stays. */
  cancelled?: AbortSignal;
  /** Chunk sizes of the re-upload comparison (tests make them small); CHUNK_LIMITS by default. */
  comparisonChunks?: ChunkLimits;
}

/**
 * Loads CSV bytes arriving in chunks into readings, as a pipeline of named steps on one connection
 * and in one transaction, so an upload is committed whole or not at all and an interrupted one
 * leaves nothing behind:
 *   1. beginUpload: the transaction and its staging table;
 *   2. stageRows: decode and parse (csv-source), validate row by row (reading-validator), COPY the
 *      valid rows into staging (copy-rows, StagingCopy), looking up the meters the file names; a
 *      file of one meter goes straight into readings while it only extends the meter's data
 *      (direct-append.ts), or leaves out of staging the rows equal to stored ones (stored-comparison.ts);
 *   3. UploadMeters.createAndLock: new meters created, all of them locked, races checked;
 *   4. takeRejectedRows: duplicates and (on_conflict=reject) conflicts taken out of staging;
 *   5. decideUpload (pure): roll back, or append (no staged row meets a stored one: plain INSERT)
 *      or merge (equal rows left out, the rest with INSERT … ON CONFLICT), renew the data version
 *      of every meter whose readings changed, then commit;
 *   6. catchUpRollup after the commit (rollup refreshed, data versions renewed again), and one log line.
 * Memory stays flat in the file size; work is O(n log n) in rows and meters (maps and sorted lists,
 * SQL over arrays, never a list searched per meter).
 */
export async function ingestCsv(
  database: DatabaseHandle,
  source: AsyncIterable<Uint8Array | string>,
  options: IngestOptions,
  deps: IngestDeps,
): Promise<IngestResult> {
  const startedAt = performance.now();
  const log = (result: IngestResult, message: string, write?: 'direct' | 'append' | 'merge') =>
    deps.logger.info(
      {
        audit: true,
        source: options.sourceName,
        ...resultSummary(result),
        ...(write === undefined ? {} : { write }),
        ...(direct.outcome === 'unused' ? {} : { direct: direct.outcome }),
        ...(compare.outcome === 'unused' ? {} : { compare: compare.outcome, unchangedRowsSkipped: compare.unchangedRows }),
        ms: Math.round(performance.now() - startedAt),
      },
      message,
    );
  const client = await database.pool.connect();
  const copy = new StagingCopy(client);
  const direct = new DirectAppend(client);
  const compare = new StoredComparison(client, copy, deps.comparisonChunks ?? CHUNK_LIMITS);
  let open = false;
  let failed = false;
  try {
    await beginUpload(client);
    open = true;
    const meters = new UploadMeters(client, options);
    const validator = new ReadingValidator({
      meterId: options.meterId,
      defaultMeterId: options.defaultMeterId,
      timeZone: options.timeZone,
      timingOf: (meterId) => meters.timingOf(meterId),
    });
    const hooks: DirectAppendHooks = {
      lockMeter: (meterId) => meters.lockOne(meterId),
      openRecord: () => openUploadRecord(client, uploadRowOf(options, validator.meterRowCounts(), UNKNOWN_DIGEST)),
    };
    const staged = await stageRows(csvRecordBatches(source), validator, meters, { copy, direct, compare, hooks });
    const fileErrors = validator.finish();
    staged.errors.push(...fileErrors);

    const spans = validator.meterSpans();
    const metersCreated = await meters.createAndLock(spans.map((span) => span.meterId));
    // Rows written directly start after everything stored (and staging is empty then).
    const meetsStored = !direct.active && spans.length > 0 && (await storedWithinSpans(client, spans));
    // Every row of a re-upload equal to its stored one: nothing staged, nothing to check or merge.
    const nothingStaged = compare.outcome === 'kept' && compare.stagedRows === 0;
    const taken = await takeRejectedRows(client, {
      duplicates: !validator.inTimeOrder,
      conflicts: options.onConflict === 'reject' && meetsStored && !nothingStaged,
    });
    const tally = tallyOf(staged, taken, validator);

    const decision = decideUpload({ mode: options.mode, accepted: tally.accepted, rejected: tally.rejected, fileErrors: fileErrors.length, meetsStored });
    if (!decision.commit) {
      await client.query('rollback');
      open = false;
      const result = rolledBackResult(tally);
      log(result, 'ingest: nothing written');
      return result;
    }
    const writer = { uploadId: direct.uploadId ?? (await openUploadRecord(client, uploadRowOf(options, tally.rowCounts, options.origin.sha256()))) };
    const merged =
      decision.write === 'merge'
        ? nothingStaged
          ? []
          : await mergeStaging(client, options.onConflict, spans, { ...writer, stagedAllActual: !copy.withQuality })
        : direct.active
          ? undefined
          : await appendStaging(client, writer).then(() => undefined);
    const result = committedResult(tally, metersCreated, merged);
    await renewDataVersions(client, changedMeters(result));
    if (options.origin.onlyIfChanged === true && result.inserted + result.updated === 0) await dropUploadRecord(client, writer.uploadId);
    else {
      result.uploadId = writer.uploadId;
      await completeUploadRecord(client, writer.uploadId, recordReportOf(result), options.origin.sha256());
    }
    deps.cancelled?.throwIfAborted();
    await client.query('commit');
    open = false;

    if (deps.storage.hourlyRollup && result.inserted + result.updated > 0) {
      const changed = { meterIds: changedMeters(result), firstStartMs: validator.firstStartMs, lastEndMs: validator.lastEndMs };
      await catchUpRollup(database, changed, deps.logger, { source: options.sourceName });
    }
    log(result, 'ingest committed', direct.active ? 'direct' : decision.write);
    return result;
  } catch (error) {
    failed = true;
    await copy.abort();
    await direct.abort();
    await compare.abort();
    if (open) await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    // After a failure the connection's state is unknown (it may be the reason): discard it.
    client.release(failed);
  }
}

/** The record of a committed upload (its report follows once written); named: every meter the file named, rejected rows or not. */
function uploadRowOf(options: IngestOptions, named: ReadonlyArray<{ meterId: string }>, sha256: string): NewUploadRow {
  const origin = options.origin;
  return {
    receivedAt: origin.receivedAt,
    source: origin.source,
    caller: origin.caller,
    fileName: origin.fileName,
    sha256,
    options: {
      meterId: options.meterId ?? '',
      unit: options.unit ?? '',
      timeZone: options.timeZone,
      onConflict: options.onConflict,
      mode: options.mode,
      timeLabel: options.timeLabel ?? '',
      sourceName: options.sourceName,
    },
    meterIds: named.map((meter) => meter.meterId),
  };
}

/** Step 1: the upload's transaction and its staging table (dropped at its end). */
async function beginUpload(client: pg.PoolClient): Promise<void> {
  await client.query('begin');
  // An upload's statements scale with the file (a 10M-row merge takes minutes): its bound is the
  // call's deadline and cancellation, not DB_STATEMENT_TIMEOUT_MS.
  await client.query('set local statement_timeout = 0');
  await createStaging(client);
}

/** The meters whose stored readings the upload changed (inserted or updated some). */
function changedMeters(result: IngestResult): string[] {
  return result.meters.filter((meter) => meter.inserted + meter.updated > 0).map((meter) => meter.meterId);
}

/** What the validator made of the rows, before the database checks. */
interface StagedRows {
  accepted: number;
  rejected: number;
  errors: RowError[];
}

/** Where stageRows sends valid rows: staging, straight into readings while the direct path holds, or compared with the stored rows. */
interface RowTargets {
  copy: StagingCopy;
  direct: DirectAppend;
  compare: StoredComparison;
  hooks: DirectAppendHooks;
}

/**
 * Step 2: every batch of records validated, its valid rows sent by COPY to staging or, for an
 * append-only file of one meter, straight into readings (direct-append.ts), or for a re-upload of
 * one meter, to the comparison with the stored rows (stored-comparison.ts); the COPYs end paused.
 */
async function stageRows(batches: AsyncIterable<CsvRecord[]>, validator: ReadingValidator, meters: UploadMeters, targets: RowTargets): Promise<StagedRows> {
  const { copy, direct, compare } = targets;
  const rows = new StagingRows();
  const errors: RowError[] = [];
  let accepted = 0;
  let rejected = 0;
  const pauseCopies = {
    pause: () =>
      compare
        .pause()
        .then(() => Promise.all([copy.pause(), direct.pause()]))
        .then(() => undefined),
  };
  for await (const records of batches) {
    await meters.lookUp(records, validator, pauseCopies);
    for (const record of records) {
      const outcome = validator.accept(record);
      if (outcome === undefined) continue;
      // The header is the first record: whether rows carry a quality is settled before any row.
      copy.withQuality = rows.withQuality = validator.hasQualityColumn;
      if ('field' in outcome) {
        rejected += 1;
        if (errors.length < MAX_REPORTED_ERRORS) errors.push(outcome);
        continue;
      }
      accepted += 1;
      if (direct.undecided) {
        const file = { hasMeterColumn: validator.hasMeterColumn, hasQualityColumn: validator.hasQualityColumn };
        const path = await direct.decide({ meterId: outcome.meterId, startMs: outcome.startMs }, file, targets.hooks);
        if (path === 'meets-stored') compare.start(outcome.meterId, validator.hasQualityColumn, meters.intervalSecondsOf(outcome.meterId));
      }
      if (direct.takes(outcome.startMs)) {
        direct.add(outcome.line, outcome.startMs, outcome.usage, outcome.quality);
        continue;
      }
      if (direct.active) await direct.withdraw();
      if (compare.takes(outcome.startMs)) {
        compare.add(outcome.line, outcome.startMs, outcome.usage, outcome.quality);
        continue;
      }
      if (compare.active) await compare.withdraw();
      rows.add(outcome.line, outcome.meterId, outcome.startMs, outcome.usage, outcome.quality);
    }
    await direct.flush();
    await compare.flush();
    await copy.write(rows.take());
  }
  await direct.finish();
  await compare.finish();
  await copy.pause();
  return { accepted, rejected, errors };
}

/**
 * Step 4: staged rows the database finds wrong, taken out of staging: repeats of a meter's
 * interval (needless when every meter's rows came in time order) and, for on_conflict=reject,
 * rows whose interval holds another value.
 */
async function takeRejectedRows(client: pg.PoolClient, checks: { duplicates: boolean; conflicts: boolean }): Promise<TakenRows[]> {
  const taken: TakenRows[] = [];
  if (checks.duplicates) taken.push(await takeDuplicates(client, MAX_REPORTED_ERRORS));
  if (checks.conflicts) taken.push(await takeConflicts(client, MAX_REPORTED_ERRORS));
  return taken;
}

/** The upload's counts: the validator's, less the rows the database checks took out (rejected instead). */
function tallyOf(staged: StagedRows, taken: readonly TakenRows[], validator: ReadingValidator): UploadTally {
  let { accepted, rejected } = staged;
  const errors = [...staged.errors];
  const takenPerMeter = new Map<string, number>();
  for (const rows of taken) {
    rejected += rows.total;
    accepted -= rows.total;
    errors.push(...rows.errors);
    for (const { meterId, count } of rows.perMeter) takenPerMeter.set(meterId, (takenPerMeter.get(meterId) ?? 0) + count);
  }
  errors.sort((a, b) => a.line - b.line);
  errors.splice(MAX_REPORTED_ERRORS);
  const span = accepted > 0 ? { firstStartMs: validator.firstStartMs, lastEndMs: validator.lastEndMs } : { firstStartMs: undefined, lastEndMs: undefined };
  return { accepted, rejected, errors, rowCounts: validator.meterRowCounts(), takenPerMeter, multiMeterFile: validator.hasMeterColumn, ...span };
}
