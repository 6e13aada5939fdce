import type { IngestModeName } from '@meterusage/meters';
import type { MeterRowCounts } from './reading-validator';
import type { RowError } from './row-error';
import type { MergeCounts } from './staging.repository';

// The pure end of an upload: whether to write (append or merge) or roll back, and what to report.

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
  /** Id of the upload's record, once committed with one. */
  uploadId?: string;
}

export const MAX_REPORTED_ERRORS = 100;

/** Roll back, or commit after appending (no staged row meets a stored one: plain INSERT) or merging. */
export type UploadDecision = { commit: false } | { commit: true; write: 'append' | 'merge' };

/**
 * What to do once every check has run: an atomic upload with any rejected row (or a file error),
 * and an upload with no accepted row, write nothing; otherwise append when no staged row meets a
 * stored one, else merge.
 */
export function decideUpload(upload: { mode: IngestModeName; accepted: number; rejected: number; fileErrors: number; meetsStored: boolean }): UploadDecision {
  if ((upload.mode === 'atomic' && (upload.rejected > 0 || upload.fileErrors > 0)) || upload.accepted === 0) return { commit: false };
  return { commit: true, write: upload.meetsStored ? 'merge' : 'append' };
}

/** Rows counted by the time the upload ends: by the validator, then less those the database checks took out. */
export interface UploadTally {
  accepted: number;
  rejected: number;
  /** Sorted by line, at most MAX_REPORTED_ERRORS. */
  errors: RowError[];
  /** Per meter: rows the validator read (accepted or rejected). */
  rowCounts: MeterRowCounts[];
  /** Per meter: accepted rows the database checks (duplicates, conflicts) took out as rejected. */
  takenPerMeter: ReadonlyMap<string, number>;
  multiMeterFile: boolean;
  /** Span of the accepted intervals (epoch ms), when any was accepted. */
  firstStartMs: number | undefined;
  lastEndMs: number | undefined;
}

const NOTHING_DONE = Object.freeze({ created: false, inserted: 0, updated: 0, unchanged: 0, skipped: 0 });

/** The result of an upload that wrote nothing. */
export function rolledBackResult(tally: UploadTally): IngestResult {
  const meters = tally.rowCounts.map(({ meterId, rejected }) => ({ ...NOTHING_DONE, meterId, rejected: rejected + (tally.takenPerMeter.get(meterId) ?? 0) }));
  const { accepted, rejected, errors, multiMeterFile, firstStartMs, lastEndMs } = tally;
  return {
    committed: false,
    accepted,
    rejected,
    errors,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    metersCreated: [],
    meters,
    multiMeterFile,
    firstStartMs,
    lastEndMs,
  };
}

/**
 * The result of a committed upload. An append inserted every staged row, so each meter's count is
 * its accepted rows; a merge counts per meter (`merged`); the rest of a meter's rows were unchanged.
 */
export function committedResult(tally: UploadTally, metersCreated: string[], merged: readonly MergeCounts[] | undefined): IngestResult {
  const created = new Set(metersCreated);
  const mergedByMeter = new Map((merged ?? []).map((counts) => [counts.meterId, counts]));
  const meters = tally.rowCounts.map(({ meterId, accepted: meterAccepted, rejected: meterRejected }): MeterIngestCounts => {
    const taken = tally.takenPerMeter.get(meterId) ?? 0;
    const staged = meterAccepted - taken;
    const counts =
      merged !== undefined ? (mergedByMeter.get(meterId) ?? { inserted: 0, updated: 0, skipped: 0 }) : { inserted: staged, updated: 0, skipped: 0 };
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
  const { accepted, rejected, errors, multiMeterFile, firstStartMs, lastEndMs } = tally;
  return {
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
    firstStartMs,
    lastEndMs,
  };
}

/** The fields of a result worth a log line (lists cut short). */
export function resultSummary(result: IngestResult) {
  const { errors: _errors, meters, metersCreated, ...counts } = result;
  return { ...counts, meterCount: meters.length, metersCreatedCount: metersCreated.length, metersCreated: metersCreated.slice(0, 10) };
}
