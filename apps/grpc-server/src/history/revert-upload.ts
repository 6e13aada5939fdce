import { createHash } from 'node:crypto';
import type { DatabaseHandle } from '../db/connection';
import type { VisibleMeters } from '../db/visible-meters';
import { FailedPreconditionError, NotFoundError } from '../errors';
import { RECORDED_LIST_MAX, type RevertRecord, type UploadRecordReport } from '../uploads/upload-record';
import { completeUploadRecord, findUpload, openUploadRecord } from '../uploads/uploads.repository';
import { writeWithMetersLocked, type LockedWriteDeps } from './locked-write';
import { applyRevert, planRevert, revertConflicts, revertSpan } from './revert.repository';

export interface RevertRequest {
  uploadId: string;
  force: boolean;
  dryRun: boolean;
  /** The caller's key name, and the meters its grants show (an upload outside them is not found). */
  caller: string;
  visible: VisibleMeters;
  receivedAt: Date;
}

/**
 * Reverts one upload (revert.repository.ts says interval by interval what that means): plans it
 * with the upload's meters locked, and unless it is a dry run or changes nothing, writes it as an
 * upload of its own (source "revert") whose record holds the report. Reverting it again reverts
 * the revert; repeating a revert finds everything unchanged and writes nothing.
 */
export async function revertUpload(database: DatabaseHandle, request: RevertRequest, deps: LockedWriteDeps): Promise<RevertRecord> {
  const upload = await findUpload(database.db, request.uploadId, request.visible);
  if (upload === undefined) throw new NotFoundError('upload', request.uploadId);
  if (!upload.history_kept) {
    throw new FailedPreconditionError(
      `upload ${request.uploadId} was committed before value history was kept, so its previous values are unknown: it cannot be reverted`,
    );
  }
  const empty: RevertRecord = {
    revertedUploadId: request.uploadId,
    uploadId: '',
    dryRun: request.dryRun,
    restored: 0,
    removed: 0,
    unchanged: 0,
    conflicts: 0,
    forced: 0,
    conflictDetails: [],
    meterIds: [],
  };
  const span = spanOf(upload.report);
  if (span === undefined || upload.meter_ids.length === 0) return empty;

  return writeWithMetersLocked(database, upload.meter_ids, deps, async (client) => {
    const counts = await planRevert(client, { uploadId: request.uploadId, meterIds: upload.meter_ids, ...span });
    const details = await revertConflicts(client, RECORDED_LIST_MAX);
    const report: RevertRecord = {
      ...empty,
      restored: counts.restore,
      removed: counts.remove,
      unchanged: counts.unchanged,
      conflicts: request.force ? 0 : counts.conflict,
      forced: request.force ? counts.conflict : 0,
      conflictDetails: details.map((row) => ({ meterId: row.meter_id, startMs: row.start_ms, currentUploadId: row.current_upload_id ?? '' })),
    };
    const writes = report.restored + report.removed + report.forced;
    if (request.dryRun || writes === 0) return { result: report, commit: false };

    const written = await revertSpan(client, request.force);
    const revertId = await openUploadRecord(client, {
      receivedAt: request.receivedAt,
      source: 'revert',
      caller: request.caller,
      fileName: '',
      sha256: createHash('sha256')
        .update(`revert ${request.uploadId}${request.force ? ' force' : ''}`)
        .digest('hex'),
      options: {
        meterId: '',
        unit: '',
        timeZone: '',
        onConflict: '',
        mode: '',
        timeLabel: '',
        sourceName: `revert of upload ${request.uploadId}`,
        revertOf: request.uploadId,
        force: request.force,
      },
      meterIds: upload.meter_ids,
    });
    const meterIds = await applyRevert(client, revertId, request.force);
    const done: RevertRecord = { ...report, uploadId: revertId, meterIds };
    await completeUploadRecord(client, revertId, recordReportOfRevert(done, written));
    return {
      result: done,
      commit: true,
      changed: { meterIds, firstStartMs: written.firstStartMs ?? span.firstStartMs, lastEndMs: written.lastEndMs ?? span.lastEndMs },
    };
  });
}

/** Where an upload wrote: its meters' intervals in [firstStartMs, lastEndMs) (undefined: it wrote none). */
function spanOf(report: UploadRecordReport): { firstStartMs: number; lastEndMs: number } | undefined {
  if (report.firstStartMs === null || report.lastEndMs === null || report.firstStartMs === undefined) return undefined;
  return { firstStartMs: report.firstStartMs, lastEndMs: report.lastEndMs };
}

/** A revert's record: interval counts in the ingest report's terms, and the revert's own report. */
function recordReportOfRevert(revert: RevertRecord, span: { firstStartMs: number | null; lastEndMs: number | null }): UploadRecordReport {
  const changed = revert.restored + revert.removed + revert.forced;
  return {
    committed: true,
    accepted: changed + revert.unchanged,
    inserted: 0,
    updated: changed,
    unchanged: revert.unchanged,
    skipped: revert.conflicts,
    rejected: 0,
    errors: [],
    meters: [],
    meterCount: revert.meterIds.length,
    metersCreated: [],
    metersCreatedCount: 0,
    firstStartMs: span.firstStartMs,
    lastEndMs: span.lastEndMs,
    revert,
  };
}
