import type { IngestResult } from '../ingest/ingest-result';

// What an upload's record holds besides its readings, as plain JSON (the repository stores it,
// the mapper turns it into the contract's Upload).

/** Who sent an upload and how, known before its rows are read; the record's other fields come from the upload. */
export interface UploadOrigin {
  receivedAt: Date;
  /** What sent it: "POST /api/readings", "meterusage-ingest", "IngestReadings", "seed". */
  source: string;
  /** The API key's name. */
  caller: string;
  fileName: string;
  /** Lowercase hex SHA-256 of the bytes received, asked at commit time, when every byte is in. */
  sha256: () => string;
  /** Record it only if it changed readings: the seed, which finds its file stored at every start. */
  onlyIfChanged?: boolean;
}

/** The options an upload was made with, by name. */
export interface UploadRecordOptions {
  meterId: string;
  unit: string;
  timeZone: string;
  onConflict: string;
  mode: string;
  timeLabel: string;
  sourceName: string;
  /** A revert: the upload it reverts, and whether it was forced over conflicts. */
  revertOf?: string;
  force?: boolean;
}

/** Meters, meters created and errors kept in a record (the counts are totals). */
export const RECORDED_LIST_MAX = 100;

/** The report of a committed upload as its record keeps it (lists capped at RECORDED_LIST_MAX, with their totals). */
export type UploadRecordReport = Pick<
  IngestResult,
  'committed' | 'accepted' | 'inserted' | 'updated' | 'unchanged' | 'skipped' | 'rejected' | 'errors' | 'meters' | 'metersCreated'
> & {
  meterCount: number;
  metersCreatedCount: number;
  firstStartMs: number | null;
  lastEndMs: number | null;
  /** What a revert did (source "revert"). */
  revert?: RevertRecord;
  /** What an estimation run did (source "estimate"). */
  estimate?: EstimateRecord;
};

/** A revert's outcome as its record and its answer hold it. */
export interface RevertRecord {
  revertedUploadId: string;
  uploadId: string;
  dryRun: boolean;
  restored: number;
  removed: number;
  unchanged: number;
  conflicts: number;
  forced: number;
  conflictDetails: Array<{ meterId: string; startMs: number; currentUploadId: string }>;
  meterIds: string[];
}

/** An estimation run's outcome as its record and its answer hold it. */
export interface EstimateRecord {
  meterId: string;
  uploadId: string;
  dryRun: boolean;
  method: 'linear' | 'profile';
  gaps: number;
  estimated: number;
  leftEmpty: number;
}

export function recordReportOf(result: IngestResult): UploadRecordReport {
  return {
    committed: result.committed,
    accepted: result.accepted,
    inserted: result.inserted,
    updated: result.updated,
    unchanged: result.unchanged,
    skipped: result.skipped,
    rejected: result.rejected,
    errors: result.errors.slice(0, RECORDED_LIST_MAX),
    meters: result.meters.slice(0, RECORDED_LIST_MAX),
    meterCount: result.meters.length,
    metersCreated: result.metersCreated.slice(0, RECORDED_LIST_MAX),
    metersCreatedCount: result.metersCreated.length,
    firstStartMs: result.firstStartMs ?? null,
    lastEndMs: result.lastEndMs ?? null,
  };
}
