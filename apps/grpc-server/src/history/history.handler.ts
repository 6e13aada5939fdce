import {
  EstimationMethod,
  ListReadingHistoryResponse,
  ReadingQuality,
  type EstimateReadingsRequest,
  type ListReadingHistoryRequest,
  type MeterUsageServiceServer,
  type ReadingVersion,
  type RevertUploadRequest,
} from '@meterusage/contracts';
import { callerOf } from '../access/caller';
import type { DatabaseHandle } from '../db/connection';
import type { StorageFeatures } from '../db/timescale';
import { InvalidArgumentError, quoted } from '../errors';
import { pageSizeOf, timeZoneOf } from '../grpc/request-fields';
import { unary } from '../grpc/unary';
import type { Logger } from '../logger';
import type { Telemetry } from '../prometheus';
import { requireMeter } from '../meters/require-meter';
import { requestedRange, resolveRange } from '../meters/resolve-range';
import type { PageTokens } from '../readings/page-token';
import { readingQualityOf } from '../readings/readings.mapper';
import { isUploadId } from '../uploads/upload-id';
import { toEstimateReport, toRevertReport } from '../uploads/uploads.mapper';
import { estimateReadings } from './estimate-readings';
import { listVersions, type VersionRow } from './history.repository';
import { revertUpload } from './revert-upload';

export interface HistoryHandlerDeps {
  database: DatabaseHandle;
  db: DatabaseHandle['db'];
  defaultMeterId: string;
  pageTokens: PageTokens;
  storage: () => StorageFeatures;
  /** LINEAR's longest gap filled when a request leaves max_gap_intervals 0 (ESTIMATE_MAX_GAP_INTERVALS). */
  estimateMaxGapIntervals: number;
  logger: Logger;
  telemetry?: Telemetry;
}

/** Most intervals one estimation run covers (a year of 15-minute intervals is 35,136). */
export const ESTIMATE_MAX_INTERVALS = 100_000;
/** Most previous weeks PROFILE averages. */
export const PROFILE_MAX_WEEKS = 52;
const PROFILE_DEFAULT_WEEKS = 4;
/** Longest gap LINEAR may be asked to fill, in intervals. */
export const LINEAR_MAX_GAP_LIMIT = 10_000;

/** ListReadingHistory, RevertUpload and EstimateReadings: provenance of stored values. */
export function createHistoryHandlers(deps: HistoryHandlerDeps): Pick<MeterUsageServiceServer, 'listReadingHistory' | 'revertUpload' | 'estimateReadings'> {
  const { db } = deps;
  return {
    listReadingHistory: unary('ListReadingHistory', deps, async (request: ListReadingHistoryRequest) => {
      const pageSize = pageSizeOf(request.pageSize);
      requestedRange(request.startTime, request.endTime);
      const meter = await requireMeter(db, request.meterId, deps.defaultMeterId);
      const query = { meterId: meter.meter_id, startMs: request.startTime?.getTime(), endMs: request.endTime?.getTime() };
      const cursor = request.pageToken === '' ? undefined : deps.pageTokens.decode(request.pageToken, query);
      const range = await resolveRange(db, meter, request.startTime, request.endTime);
      const base = { meterId: meter.meter_id, unit: meter.unit };
      if (range === undefined) return { ...base, versions: [], nextPageToken: '' };
      const rows = await listVersions(db, {
        meterId: meter.meter_id,
        ...range,
        afterStartMs: cursor?.nextStartMs ?? range.startMs,
        skip: cursor?.nextSkip ?? 0,
        limit: pageSize + 1,
      });
      const page = rows.slice(0, pageSize);
      const last = page[page.length - 1];
      const nextPageToken =
        rows.length > pageSize && last !== undefined ? deps.pageTokens.encode({ ...query, nextStartMs: last.start_ms, nextSkip: last.seq }) : '';
      return ListReadingHistoryResponse.fromPartial({ ...base, versions: page.map((row) => toReadingVersion(row, meter.interval_seconds)), nextPageToken });
    }),

    revertUpload: unary('RevertUpload', deps, async (request: RevertUploadRequest, call) => {
      if (!isUploadId(request.uploadId)) {
        throw new InvalidArgumentError('upload_id', `must be an upload's id (decimal digits), got ${quoted(request.uploadId)}`);
      }
      const caller = callerOf(call);
      const report = await revertUpload(
        deps.database,
        {
          uploadId: request.uploadId,
          force: request.force,
          dryRun: request.dryRun,
          caller: caller.keyName,
          visible: caller.grants.parts,
          receivedAt: new Date(),
        },
        { storage: deps.storage(), logger: deps.logger, source: 'revert' },
      );
      deps.logger.info({ audit: true, revertOf: request.uploadId, ...report, conflictDetails: undefined }, request.dryRun ? 'revert planned' : 'revert done');
      return { report: toRevertReport(report) };
    }),

    estimateReadings: unary('EstimateReadings', deps, async (request: EstimateReadingsRequest, call) => {
      const violations: Array<{ field: string; description: string }> = [];
      if (request.startTime === undefined) violations.push({ field: 'start_time', description: 'is required' });
      if (request.endTime === undefined) violations.push({ field: 'end_time', description: 'is required' });
      const method =
        request.method === EstimationMethod.ESTIMATION_METHOD_LINEAR
          ? 'linear'
          : request.method === EstimationMethod.ESTIMATION_METHOD_PROFILE
            ? 'profile'
            : undefined;
      if (method === undefined) violations.push({ field: 'method', description: 'must be ESTIMATION_METHOD_LINEAR or ESTIMATION_METHOD_PROFILE' });
      if (request.maxGapIntervals < 0 || request.maxGapIntervals > LINEAR_MAX_GAP_LIMIT) {
        violations.push({ field: 'max_gap_intervals', description: `must be from 0 (= ${deps.estimateMaxGapIntervals}) to ${LINEAR_MAX_GAP_LIMIT}` });
      }
      if (request.profileWeeks < 0 || request.profileWeeks > PROFILE_MAX_WEEKS) {
        violations.push({ field: 'profile_weeks', description: `must be from 0 (= ${PROFILE_DEFAULT_WEEKS}) to ${PROFILE_MAX_WEEKS}` });
      }
      if (violations.length > 0) throw new InvalidArgumentError(violations);
      const timeZone = timeZoneOf(request.timeZone);
      const { startMs, endMs } = requestedRange(request.startTime, request.endTime) as { startMs: number; endMs: number };
      const meter = await requireMeter(db, request.meterId, deps.defaultMeterId);
      const stepMs = meter.interval_seconds * 1000;
      const firstSlotMs = Math.ceil(startMs / stepMs) * stepMs;
      const slotCount = Math.max(0, Math.ceil(endMs / stepMs) - firstSlotMs / stepMs);
      if (slotCount > ESTIMATE_MAX_INTERVALS) {
        throw new InvalidArgumentError('end_time', `the range holds ${slotCount} intervals; one run estimates at most ${ESTIMATE_MAX_INTERVALS}`);
      }
      const report = await estimateReadings(
        deps.database,
        {
          meter,
          firstSlotMs,
          slotCount,
          method: method!,
          maxGapIntervals: request.maxGapIntervals === 0 ? deps.estimateMaxGapIntervals : request.maxGapIntervals,
          timeZone,
          profileWeeks: request.profileWeeks === 0 ? PROFILE_DEFAULT_WEEKS : request.profileWeeks,
          dryRun: request.dryRun,
          caller: callerOf(call).keyName,
          receivedAt: new Date(),
        },
        { storage: deps.storage(), logger: deps.logger, source: 'estimate' },
      );
      deps.logger.info({ audit: true, ...report }, request.dryRun ? 'estimation planned' : 'estimation done');
      return { report: toEstimateReport(report) };
    }),
  };
}

function toReadingVersion(row: VersionRow, intervalSeconds: number): ReadingVersion {
  return {
    start: new Date(row.start_ms),
    end: new Date(row.start_ms + intervalSeconds * 1000),
    usage: row.usage ?? undefined,
    quality: row.usage === null ? ReadingQuality.READING_QUALITY_MISSING_IN_SOURCE : readingQualityOf(true, row.usage, row.quality),
    uploadId: row.upload_id ?? '',
    validFrom: row.valid_from_ms === null ? undefined : new Date(row.valid_from_ms),
    validTo: row.valid_to_ms === null ? undefined : new Date(row.valid_to_ms),
    replacedBy: row.replaced_by ?? '',
    current: row.current,
  };
}
