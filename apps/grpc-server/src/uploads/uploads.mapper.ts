import { EstimationMethod, IngestOptions, TimeLabel, type EstimateReport, type IngestReport, type RevertReport, type Upload } from '@meterusage/contracts';
import { CONFLICT_POLICIES, INGEST_MODES, TIME_LABELS } from '@meterusage/meters';
import type { EstimateRecord, RevertRecord, UploadRecordReport } from './upload-record';
import type { UploadRow } from './uploads.repository';

/** A report as the contract's IngestReport: the answer of IngestReadings and part of an Upload. */
export function toIngestReport(report: UploadRecordReport, uploadId: string): IngestReport {
  return {
    committed: report.committed,
    accepted: report.accepted,
    inserted: report.inserted,
    updated: report.updated,
    unchanged: report.unchanged,
    skipped: report.skipped,
    rejected: report.rejected,
    errors: report.errors,
    metersCreated: report.metersCreated,
    metersCreatedCount: report.metersCreatedCount,
    meters: report.meters,
    meterCount: report.meterCount,
    firstIntervalStart: report.firstStartMs === null ? undefined : new Date(report.firstStartMs),
    lastIntervalEnd: report.lastEndMs === null ? undefined : new Date(report.lastEndMs),
    uploadId,
  };
}

/** An upload's record as the contract's Upload. */
export function toUpload(row: UploadRow): Upload {
  const options = row.options;
  const report = row.report;
  const enumValue = <Value extends number>(values: Readonly<Record<string, Value>>, name: string, unspecified: Value): Value => values[name] ?? unspecified;
  return {
    uploadId: row.upload_id,
    receiveTime: row.received_at,
    commitTime: row.committed_at,
    source: row.source,
    caller: row.caller,
    fileName: row.file_name,
    sha256: row.sha256,
    options: IngestOptions.fromPartial({
      meterId: options.meterId,
      unit: options.unit,
      timeZone: options.timeZone,
      onConflict: enumValue(CONFLICT_POLICIES.values, options.onConflict, 0),
      mode: enumValue(INGEST_MODES.values, options.mode, 0),
      timeLabel: enumValue(TIME_LABELS.values, options.timeLabel, TimeLabel.TIME_LABEL_UNSPECIFIED),
      sourceName: options.sourceName,
      fileName: row.file_name,
      client: row.source,
    }),
    meterIds: row.meter_ids,
    report: toIngestReport(report, row.upload_id),
    revert: report.revert === undefined ? undefined : toRevertReport(report.revert),
    estimate: report.estimate === undefined ? undefined : toEstimateReport(report.estimate),
    revertible: row.history_kept,
  };
}

/** A revert's report as the contract's RevertReport. */
export function toRevertReport(revert: RevertRecord): RevertReport {
  return {
    revertedUploadId: revert.revertedUploadId,
    uploadId: revert.uploadId,
    dryRun: revert.dryRun,
    restored: revert.restored,
    removed: revert.removed,
    unchanged: revert.unchanged,
    conflicts: revert.conflicts,
    forced: revert.forced,
    conflictDetails: revert.conflictDetails.map((conflict) => ({
      meterId: conflict.meterId,
      start: new Date(conflict.startMs),
      currentUploadId: conflict.currentUploadId,
    })),
    meterIds: revert.meterIds,
  };
}

/** An estimation run's report as the contract's EstimateReport. */
export function toEstimateReport(estimate: EstimateRecord): EstimateReport {
  return {
    meterId: estimate.meterId,
    uploadId: estimate.uploadId,
    dryRun: estimate.dryRun,
    method: estimate.method === 'linear' ? EstimationMethod.ESTIMATION_METHOD_LINEAR : EstimationMethod.ESTIMATION_METHOD_PROFILE,
    gaps: estimate.gaps,
    estimated: estimate.estimated,
    leftEmpty: estimate.leftEmpty,
  };
}
