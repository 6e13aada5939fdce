import { isMeterId, METER_DEFAULTS, type ConflictPolicyName, type IngestModeName, type TimeLabelName } from '@meterusage/meters';
import type { DatabaseHandle } from '../db/connection';
import { refreshHourlyRollup, type StorageFeatures } from '../db/timescale';
import { AbortedError, InvalidArgumentError, SettingConflictError } from '../errors';
import type { Logger } from '../logger';
import { StagingRows } from './copy-rows';
import { CsvRowReader, type CsvRecord } from './csv-row-reader';
import { ReadingValidator, type MeterTiming } from './reading-validator';
import type { RowError } from './row-error';
import {
  appendStaging,
  createMissingMeters,
  lockMeters,
  mergeStaging,
  createStaging,
  meterSettings,
  StagingCopy,
  storedWithinSpans,
  takeConflicts,
  takeDuplicates,
  type MergeCounts,
  type TakenRows,
} from './staging.repository';

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
}

/** What the upload did for one meter. */
export interface MeterIngestCounts {
  meterId: string;
  /** This upload created the meter. */
  created: boolean;
  inserted: number;
  updated: number;
  unchanged: number;
  skipped: number;
  rejected: number;
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
  /** Meters this upload created, in meter order (all of them: callers cap what they show). */
  metersCreated: string[];
  /** Every meter a row was accepted or rejected for, in meter order. */
  meters: MeterIngestCounts[];
  /** Whether the file had a meter_id column. */
  multiMeterFile: boolean;
  /** Span of the accepted intervals, epoch ms; undefined when none was accepted. */
  firstStartMs: number | undefined;
  lastEndMs: number | undefined;
}

export const MAX_REPORTED_ERRORS = 100;
/** Text parsed and staged at a time. */
const PARSE_SLICE_CHARS = 64 * 1024;

interface StoredMeter {
  unit: string;
  intervalSeconds: number;
  timeLabel: TimeLabelName;
}

/**
 * Loads CSV bytes arriving in chunks into readings: parse and validate row by row, COPY valid rows
 * into a staging table, create and lock the upload's meters, check duplicates (and conflicts for
 * on_conflict=reject), then append (no staged row meets a stored one: plain INSERT) or merge
 * (equal rows left out, the rest with INSERT … ON CONFLICT) — all in one transaction, so an
 * upload is committed whole or not at all, and an interrupted one leaves nothing behind. Memory
 * stays flat in the file size; work is O(n log n) in rows and meters (maps and sorted lists, SQL
 * over arrays, never a list searched per meter).
 */
export async function ingestCsv(
  database: DatabaseHandle,
  source: AsyncIterable<Uint8Array | string>,
  options: IngestOptions,
  deps: { storage: StorageFeatures; logger: Logger; cancelled?: AbortSignal },
): Promise<IngestResult> {
  const startedAt = performance.now();
  // The settings of the meters the file names, looked up slice by slice before the validator asks
  // for them: work in the meters of the upload, not of the fleet. On the upload's connection (a
  // second one per upload could run the pool dry): the COPY pauses for it, in slices naming new ids.
  const stored = new Map<string, StoredMeter>();
  const lookedUp = new Set<string>();
  const lookUpMeters = async (records: CsvRecord[]) => {
    const named = new Set<string>();
    validator.collectMeterIds(records, named);
    const unknown = [...named].filter((meterId) => !lookedUp.has(meterId) && isMeterId(meterId));
    if (unknown.length === 0) return;
    for (const meterId of unknown) lookedUp.add(meterId);
    await copy.pause();
    for (const meter of await meterSettings(client, unknown)) stored.set(meter.meterId, meter);
  };
  const newMeterTiming: MeterTiming = { intervalSeconds: METER_DEFAULTS.intervalSeconds, timeLabel: options.timeLabel ?? METER_DEFAULTS.timeLabel };
  let newMeters = 0;
  // Called once per meter, on its first row: a settings conflict or one new meter too many ends
  // the upload there, before anything is written and without reading the rest.
  const timingOf = (meterId: string): MeterTiming => {
    const meter = stored.get(meterId);
    if (meter === undefined) {
      newMeters += 1;
      if (newMeters > options.maxNewMeters) throw tooManyNewMeters(options.maxNewMeters);
      return newMeterTiming;
    }
    const conflict = settingConflict(meterId, meter, options, '');
    if (conflict !== undefined) throw conflict;
    return { intervalSeconds: meter.intervalSeconds, timeLabel: meter.timeLabel };
  };
  const validator = new ReadingValidator({ meterId: options.meterId, defaultMeterId: options.defaultMeterId, timeZone: options.timeZone, timingOf });
  const reader = new CsvRowReader();
  const decoder = new TextDecoder('utf-8');
  const errors: RowError[] = [];
  let rejected = 0;
  let accepted = 0;

  const stagingRows = new StagingRows();
  const stage = async (records: CsvRecord[]): Promise<Buffer | undefined> => {
    await lookUpMeters(records);
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
  /** Rows the database checks took out, per meter: rejected, no longer accepted. */
  const takenPerMeter = new Map<string, number>();
  const takeRejected = (taken: TakenRows) => {
    rejected += taken.total;
    accepted -= taken.total;
    errors.push(...taken.errors);
    for (const { meterId, count } of taken.perMeter) takenPerMeter.set(meterId, (takenPerMeter.get(meterId) ?? 0) + count);
  };

  const client = await database.pool.connect();
  const copy = new StagingCopy(client);
  let open = false;
  let failed = false;
  try {
    await client.query('begin');
    open = true;
    // An upload's statements scale with the file (a 10M-row merge takes minutes): its bound is the
    // call's deadline and cancellation, not DB_STATEMENT_TIMEOUT_MS.
    await client.query('set local statement_timeout = 0');
    await createStaging(client);
    for await (const chunk of source) {
      const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
      // In slices: each slice's records and COPY text die young (a 1 MB message at once is ~40k
      // records that outlive a scavenge and get promoted: half the parse time went to GC).
      for (let at = 0; at < text.length; at += PARSE_SLICE_CHARS) await copy.write(await stage(reader.push(text.slice(at, at + PARSE_SLICE_CHARS))));
    }
    await copy.write(await stage([...reader.push(decoder.decode()), ...reader.end()]));
    await copy.pause();

    const fileErrors = validator.finish();
    errors.push(...fileErrors);
    // The meters first (created, then locked in meter order): the checks below and the merge then
    // see readings no other upload changes before this one commits.
    const spans = validator.meterSpans();
    const meterIds = spans.map((span) => span.meterId);
    const newMeterIds = meterIds.filter((meterId) => !stored.has(meterId));
    const metersCreated = newMeterIds.length > 0 ? await createMissingMeters(client, newMeterIds, options.unit ?? METER_DEFAULTS.unit, newMeterTiming.timeLabel) : [];
    await lockMeters(client, meterIds);
    // A meter unknown when this upload started that it did not create either was created by a
    // concurrent upload meanwhile, perhaps with other settings than the rows were read with: then
    // nothing is written (409 either way: ALREADY_EXISTS for a setting the upload states, which
    // sending again cannot fix; ABORTED for one it assumed, which sending again reads right).
    const created = new Set(metersCreated);
    const createdElsewhere = newMeterIds.filter((meterId) => !created.has(meterId));
    for (const meter of createdElsewhere.length > 0 ? await meterSettings(client, createdElsewhere) : []) {
      const conflict = settingConflict(meter.meterId, meter, options, ' (created by another upload while this one was read)');
      if (conflict !== undefined) throw conflict;
      if (meter.intervalSeconds !== newMeterTiming.intervalSeconds || meter.timeLabel !== newMeterTiming.timeLabel) {
        throw new AbortedError(
          `meter "${meter.meterId}" was created by another upload while this one was read (interval ${meter.intervalSeconds} s, times label the interval ${meter.timeLabel}); nothing was written: send the file again`,
        );
      }
    }
    const meetsStored = spans.length > 0 && (await storedWithinSpans(client, spans));
    if (!validator.inTimeOrder) takeRejected(await takeDuplicates(client, MAX_REPORTED_ERRORS));
    if (options.onConflict === 'reject' && meetsStored) takeRejected(await takeConflicts(client, MAX_REPORTED_ERRORS));
    errors.sort((a, b) => a.line - b.line);
    errors.splice(MAX_REPORTED_ERRORS);

    const rowCounts = validator.meterRowCounts();
    const span = accepted > 0 ? { firstStartMs: validator.firstStartMs, lastEndMs: validator.lastEndMs } : { firstStartMs: undefined, lastEndMs: undefined };
    const multiMeterFile = validator.hasMeterColumn;
    if ((options.mode === 'atomic' && (rejected > 0 || fileErrors.length > 0)) || accepted === 0) {
      await client.query('rollback');
      open = false;
      const meters = rowCounts.map(({ meterId, rejected: meterRejected }) => ({ ...NOTHING_DONE, meterId, rejected: meterRejected + (takenPerMeter.get(meterId) ?? 0) }));
      const result: IngestResult = { committed: false, accepted, rejected, errors, inserted: 0, updated: 0, unchanged: 0, skipped: 0, metersCreated: [], meters, multiMeterFile, ...span };
      deps.logger.info({ source: options.sourceName, ...summary(result), ms: Math.round(performance.now() - startedAt) }, 'ingest: nothing written');
      return result;
    }

    const write = meetsStored ? 'merge' : 'append';
    // Append inserts every staged row, so each meter's count is its accepted rows; a merge counts per meter.
    const merged = new Map<string, MergeCounts>();
    if (meetsStored) for (const counts of await mergeStaging(client, options.onConflict, spans)) merged.set(counts.meterId, counts);
    else await appendStaging(client);
    // The last moment to notice that the sender gave up: then nothing of the upload stays.
    deps.cancelled?.throwIfAborted();
    await client.query('commit');
    open = false;

    const meters = rowCounts.map(({ meterId, accepted: meterAccepted, rejected: meterRejected }): MeterIngestCounts => {
      const taken = takenPerMeter.get(meterId) ?? 0;
      const staged = meterAccepted - taken;
      const counts = meetsStored ? (merged.get(meterId) ?? { inserted: 0, updated: 0, skipped: 0 }) : { inserted: staged, updated: 0, skipped: 0 };
      return {
        meterId,
        created: created.has(meterId),
        inserted: counts.inserted,
        updated: counts.updated,
        unchanged: staged - counts.inserted - counts.updated - counts.skipped,
        skipped: counts.skipped,
        rejected: meterRejected + taken,
      };
    });
    const total = (key: 'inserted' | 'updated' | 'skipped') => meters.reduce((sum, meter) => sum + meter[key], 0);
    const [inserted, updated, skipped] = [total('inserted'), total('updated'), total('skipped')];
    const result: IngestResult = {
      committed: true,
      accepted,
      inserted,
      updated,
      unchanged: accepted - inserted - updated - skipped,
      skipped,
      rejected,
      errors,
      metersCreated,
      meters,
      multiMeterFile,
      ...span,
    };
    if (deps.storage.hourlyRollup && inserted + updated > 0) {
      // After the commit the upload has succeeded: a refresh that fails (a busy pool, a timeout over
      // a long span) must not turn it into a failure the client would send again. The rollup is
      // real-time (materialized_only = false) and its policy refreshes the span later.
      await refreshHourlyRollup(database.db, validator.firstStartMs, validator.lastEndMs).catch((error: unknown) =>
        deps.logger.warn({ err: error, source: options.sourceName }, 'ingest committed, but the hourly rollup refresh failed; its refresh policy will catch up'),
      );
    }
    deps.logger.info({ source: options.sourceName, ...summary(result), write, ms: Math.round(performance.now() - startedAt) }, 'ingest committed');
    return result;
  } catch (error) {
    failed = true;
    await copy.abort();
    if (open) await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    // After a failure the connection's state is unknown (it may be the reason): discard it.
    client.release(failed);
  }
}

const NOTHING_DONE = Object.freeze({ created: false, inserted: 0, updated: 0, unchanged: 0, skipped: 0 });

/** The setting (unit, time label) the upload states differently from a stored meter, as a 409; undefined when they agree. */
function settingConflict(meterId: string, meter: StoredMeter, options: IngestOptions, how: string): SettingConflictError | undefined {
  if (options.unit !== undefined && options.unit !== meter.unit) {
    return new SettingConflictError('unit', `the upload says ${options.unit}, meter "${meterId}"${how} has ${meter.unit}; nothing was written`);
  }
  if (options.timeLabel !== undefined && options.timeLabel !== meter.timeLabel) {
    return new SettingConflictError('time_label', `the upload says ${options.timeLabel}, meter "${meterId}"${how} has ${meter.timeLabel}; nothing was written`);
  }
  return undefined;
}

function tooManyNewMeters(limit: number): InvalidArgumentError {
  return new InvalidArgumentError(
    'meter_id',
    `the file names more than ${limit} new meters, the most one upload may create (MAX_NEW_METERS_PER_UPLOAD = ${limit}); nothing was written: split the file or raise the limit`,
  );
}

function summary(result: IngestResult) {
  const { errors: _errors, meters, metersCreated, ...counts } = result;
  return { ...counts, meterCount: meters.length, metersCreatedCount: metersCreated.length, metersCreated: metersCreated.slice(0, 10) };
}
