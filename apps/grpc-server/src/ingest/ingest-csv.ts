import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { DatabaseHandle } from '../db/connection';
import type { TimeLabel } from '../db/schema';
import { refreshHourlyRollup, type StorageFeatures } from '../db/timescale';
import { AbortedError } from '../errors';
import type { Logger } from '../logger';
import { listMeters } from '../meters/meters.repository';
import { CsvRowReader, type CsvRecord } from './csv-row-reader';
import { ReadingValidator, type MeterTiming } from './reading-validator';
import type { RowError } from './row-error';
import {
  appendStaging,
  createMissingMeters,
  lockMeters,
  mergeStaging,
  meterTimings,
  openStaging,
  StagingRows,
  storedWithinSpans,
  takeConflicts,
  takeDuplicates,
  type ConflictPolicyName,
} from './staging.repository';

export interface IngestOptions {
  /** Meter of rows without a meter_id column. */
  meterId: string;
  /** Unit of meters the upload creates. */
  unit: string;
  /** IANA zone of timestamps without an offset. */
  timeZone: string;
  onConflict: ConflictPolicyName;
  /** atomic: one rejected row and nothing is written; partial: valid rows are written. */
  mode: 'atomic' | 'partial';
  /** Label convention of the file's times; undefined = each meter's own (end for new meters). */
  timeLabel: TimeLabel | undefined;
  /** For logs: where the data came from. */
  sourceName: string;
}

export interface IngestResult {
  committed: boolean;
  accepted: number;
  inserted: number;
  updated: number;
  unchanged: number;
  skipped: number;
  rejected: number;
  /** The first MAX_REPORTED_ERRORS rejections, by line. */
  errors: RowError[];
  metersCreated: string[];
  /** Span of the accepted intervals, epoch ms; undefined when none was accepted. */
  firstStartMs: number | undefined;
  lastEndMs: number | undefined;
}

export const MAX_REPORTED_ERRORS = 100;
/** Text parsed and staged at a time. */
const PARSE_SLICE_CHARS = 64 * 1024;
const DEFAULT_TIMING: MeterTiming = { intervalSeconds: 900, timeLabel: 'end' };

/**
 * Loads CSV bytes arriving in chunks into readings: parse and validate row by row, COPY valid rows
 * into a staging table, lock the upload's meters, check duplicates (and conflicts for
 * on_conflict=reject), then append (no staged row meets a stored one: plain INSERT) or merge
 * (equal rows left out, the rest with INSERT … ON CONFLICT) — all in one transaction, so an
 * upload is committed whole or not at all, and an interrupted one leaves nothing behind. Memory
 * stays flat in the file size.
 */
export async function ingestCsv(
  database: DatabaseHandle,
  source: AsyncIterable<Uint8Array | string>,
  options: IngestOptions,
  deps: { storage: StorageFeatures; logger: Logger; cancelled?: AbortSignal },
): Promise<IngestResult> {
  const startedAt = performance.now();
  const timings = new Map((await listMeters(database.db)).map((meter) => [meter.meter_id, { intervalSeconds: meter.interval_seconds, timeLabel: meter.time_label }]));
  const timingOf = (meterId: string): MeterTiming => {
    const known = timings.get(meterId) ?? DEFAULT_TIMING;
    return { intervalSeconds: known.intervalSeconds, timeLabel: options.timeLabel ?? known.timeLabel };
  };
  const validator = new ReadingValidator({ meterId: options.meterId, timeZone: options.timeZone, timingOf });
  const reader = new CsvRowReader();
  const decoder = new TextDecoder('utf-8');
  const errors: RowError[] = [];
  let rejected = 0;
  let accepted = 0;

  const stagingRows = new StagingRows();
  const stage = (records: CsvRecord[]): Buffer | undefined => {
    for (const record of records) {
      const outcome = validator.accept(record);
      if (outcome === undefined) continue;
      if ('field' in outcome) {
        rejected += 1;
        if (errors.length < MAX_REPORTED_ERRORS) errors.push(outcome);
        continue;
      }
      accepted += 1;
      stagingRows.add(outcome.line, outcome.meterId, outcome.startMs, outcome.usage);
    }
    return stagingRows.take();
  };
  const takeRejected = (taken: { total: number; errors: RowError[] }) => {
    rejected += taken.total;
    accepted -= taken.total;
    errors.push(...taken.errors);
  };

  const client = await database.pool.connect();
  let open = false;
  let copy: Writable | undefined;
  let copyDone: Promise<void> | undefined;
  let failed = false;
  try {
    await client.query('begin');
    open = true;
    // An upload's statements scale with the file (a 10M-row merge takes minutes): its bound is the
    // call's deadline and cancellation, not DB_STATEMENT_TIMEOUT_MS.
    await client.query('set local statement_timeout = 0');
    copy = await openStaging(client);
    const staging = copy;
    copyDone = finished(staging);
    copyDone.catch(() => undefined); // surfaced by the awaits below
    // pg-copy-streams reports a lost connection as an 'error' event but stays writable, and its next
    // write then throws a TypeError: stop at the connection's own error instead (a 503, not a 500).
    let copyError: Error | undefined;
    staging.on('error', (error: Error) => (copyError ??= error));
    const send = async (rows: Buffer | undefined) => {
      if (copyError !== undefined) throw copyError;
      if (rows !== undefined && !staging.write(rows)) await Promise.race([once(staging, 'drain'), copyDone]);
    };
    for await (const chunk of source) {
      const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
      // In slices: each slice's records and COPY text die young (a 1 MB message at once is ~40k
      // records that outlive a scavenge and get promoted: half the parse time went to GC).
      for (let at = 0; at < text.length; at += PARSE_SLICE_CHARS) await send(stage(reader.push(text.slice(at, at + PARSE_SLICE_CHARS))));
    }
    await send(stage([...reader.push(decoder.decode()), ...reader.end()]));
    staging.end();
    await copyDone;
    copy = undefined;

    const fileErrors = validator.finish();
    errors.push(...fileErrors);
    // The meters first (created, then locked in meter order): the checks below and the merge then
    // see readings no other upload changes before this one commits.
    const spans = validator.meterSpans();
    const meterIds = spans.map((span) => span.meterId);
    const metersCreated = await createMissingMeters(client, meterIds, options.unit, options.timeLabel ?? 'end');
    await lockMeters(client, meterIds);
    // A meter unknown when this upload started that it did not create either was created by a
    // concurrent upload meanwhile, perhaps with another interval or time label than the rows were
    // read with: then nothing is written, and the upload can simply be sent again.
    const createdElsewhere = meterIds.filter((meterId) => !timings.has(meterId) && !metersCreated.includes(meterId));
    for (const stored of createdElsewhere.length > 0 ? await meterTimings(client, createdElsewhere) : []) {
      const assumed = timingOf(stored.meterId);
      if (stored.intervalSeconds !== assumed.intervalSeconds || (options.timeLabel === undefined && stored.timeLabel !== assumed.timeLabel)) {
        throw new AbortedError(
          `meter "${stored.meterId}" was created by another upload while this one was read (interval ${stored.intervalSeconds} s, times label the interval ${stored.timeLabel}); nothing was written: send the file again`,
        );
      }
    }
    const meetsStored = spans.length > 0 && (await storedWithinSpans(client, spans));
    if (!validator.inTimeOrder) takeRejected(await takeDuplicates(client, MAX_REPORTED_ERRORS));
    if (options.onConflict === 'reject' && meetsStored) takeRejected(await takeConflicts(client, MAX_REPORTED_ERRORS));
    errors.sort((a, b) => a.line - b.line);
    errors.splice(MAX_REPORTED_ERRORS);

    const span = accepted > 0 ? { firstStartMs: validator.firstStartMs, lastEndMs: validator.lastEndMs } : { firstStartMs: undefined, lastEndMs: undefined };
    const nothing = { inserted: 0, updated: 0, unchanged: 0, skipped: 0, metersCreated: [] };
    if ((options.mode === 'atomic' && (rejected > 0 || fileErrors.length > 0)) || accepted === 0) {
      await client.query('rollback');
      open = false;
      const result: IngestResult = { committed: false, accepted, rejected, errors, ...nothing, ...span };
      deps.logger.info({ source: options.sourceName, ...summary(result), ms: Math.round(performance.now() - startedAt) }, 'ingest: nothing written');
      return result;
    }

    const write = meetsStored ? 'merge' : 'append';
    const counts = meetsStored ? await mergeStaging(client, options.onConflict, spans) : await appendStaging(client);
    // The last moment to notice that the sender gave up: then nothing of the upload stays.
    deps.cancelled?.throwIfAborted();
    await client.query('commit');
    open = false;
    const result: IngestResult = {
      committed: true,
      accepted,
      ...counts,
      unchanged: accepted - counts.inserted - counts.updated - counts.skipped,
      rejected,
      errors,
      metersCreated,
      ...span,
    };
    if (deps.storage.hourlyRollup && counts.inserted + counts.updated > 0) {
      await refreshHourlyRollup(database.db, validator.firstStartMs, validator.lastEndMs);
    }
    deps.logger.info({ source: options.sourceName, ...summary(result), write, ms: Math.round(performance.now() - startedAt) }, 'ingest committed');
    return result;
  } catch (error) {
    failed = true;
    // A COPY still open holds the connection in COPY mode: fail it first (CopyFail), or the
    // rollback would queue behind it forever.
    if (copy !== undefined) {
      copy.destroy(new Error('upload aborted'));
      await copyDone?.catch(() => undefined);
    }
    if (open) await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    // After a failure the connection's state is unknown (it may be the reason): discard it.
    client.release(failed);
  }
}

function summary(result: IngestResult) {
  const { errors: _errors, ...counts } = result;
  return counts;
}
