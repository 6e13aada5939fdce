import { CONFLICT_POLICIES, INGEST_MODES, TIME_LABELS } from '@meterusage/meters';
import { estimationMethodToJSON, type EstimateReport, type RevertReport, type Upload } from '@meterusage/contracts';
import type { FastifyInstance } from 'fastify';
import { callUnary } from '../grpc/call';
import { reportSchema, toReportJson } from './ingest-report-json';
import { toIsoSeconds } from './json-mapping';
import { meterParam, querySchema } from './query-schemas';
import { errorResponses } from './response-schemas';

// The records of committed uploads: who sent what, when, with which options and result.

/** ListUploads' range for page_size; omitted = 50 (0 is refused here, as for readings). */
const pageSizeParam = { type: 'integer', minimum: 1, maximum: 1000, description: 'Uploads per page (default 50, at most 1000).' } as const;

/** What POST /api/uploads/{id}/revert answers, and a revert's record holds. */
export const revertReportSchema = {
  type: 'object',
  required: ['revertedUploadId', 'dryRun', 'restored', 'removed', 'unchanged', 'conflicts', 'forced', 'conflictDetails', 'meterIds'],
  properties: {
    revertedUploadId: { type: 'string' },
    uploadId: { type: 'string', description: "The revert's own upload record; absent for a dry run or a revert that changed nothing." },
    dryRun: { type: 'boolean' },
    restored: { type: 'integer', description: 'Intervals given their previous value back.' },
    removed: { type: 'integer', description: 'Intervals the upload had inserted, now empty again.' },
    unchanged: { type: 'integer', description: 'Intervals already as before the upload (reverted before).' },
    conflicts: { type: 'integer', description: 'Intervals a later upload changed since, left alone (send force=true to revert them too).' },
    forced: { type: 'integer', description: 'Conflicting intervals reverted anyway (force=true).' },
    conflictDetails: {
      type: 'array',
      description: 'The first 100 conflicting intervals.',
      items: {
        type: 'object',
        required: ['meterId', 'start'],
        properties: { meterId: { type: 'string' }, start: { type: 'string', format: 'date-time' }, currentUploadId: { type: 'string' } },
      },
    },
    meterIds: { type: 'array', items: { type: 'string' } },
  },
} as const;

/** What POST /api/meters/{id}/estimate answers, and an estimation run's record holds. */
export const estimateReportSchema = {
  type: 'object',
  required: ['meterId', 'dryRun', 'method', 'gaps', 'estimated', 'leftEmpty'],
  properties: {
    meterId: { type: 'string' },
    uploadId: { type: 'string', description: "The run's upload record; absent for a dry run or when nothing was estimated." },
    dryRun: { type: 'boolean' },
    method: { type: 'string', enum: ['linear', 'profile'] },
    gaps: { type: 'integer', description: 'Intervals of the range without a value.' },
    estimated: { type: 'integer', description: 'Of them, intervals given an estimate.' },
    leftEmpty: { type: 'integer', description: 'Of them, intervals left empty (gap too long, no actual neighbour, no value in the previous weeks).' },
  },
} as const;

const uploadSchema = {
  type: 'object',
  required: ['uploadId', 'receivedAt', 'committedAt', 'source', 'caller', 'sha256', 'options', 'meterIds', 'report'],
  properties: {
    uploadId: { type: 'string' },
    receivedAt: { type: 'string', format: 'date-time', description: 'When the upload began to arrive.' },
    committedAt: { type: 'string', format: 'date-time', description: 'When its readings were written.' },
    source: { type: 'string', description: 'POST /api/readings, meterusage-ingest, IngestReadings, seed, revert or estimate.' },
    caller: { type: 'string', description: 'The API key\'s name ("anonymous" without keys).' },
    fileName: { type: 'string' },
    sha256: { type: 'string', description: 'SHA-256 of the bytes received (after any Content-Encoding), hex.' },
    options: {
      type: 'object',
      properties: {
        meter: { type: 'string' },
        unit: { type: 'string' },
        tz: { type: 'string' },
        on_conflict: { type: 'string' },
        mode: { type: 'string' },
        time_label: { type: 'string' },
      },
    },
    meterIds: { type: 'array', items: { type: 'string' }, description: 'Every meter the file named.' },
    report: reportSchema,
    revertible: { type: 'boolean', description: 'False for uploads recorded before value history was kept.' },
    revert: revertReportSchema,
    estimate: estimateReportSchema,
  },
} as const;

export function toRevertJson(report: RevertReport) {
  return {
    revertedUploadId: report.revertedUploadId,
    uploadId: report.uploadId || undefined,
    dryRun: report.dryRun,
    restored: report.restored,
    removed: report.removed,
    unchanged: report.unchanged,
    conflicts: report.conflicts,
    forced: report.forced,
    conflictDetails: report.conflictDetails.map((conflict) => ({
      meterId: conflict.meterId,
      start: toIsoSeconds(conflict.start),
      currentUploadId: conflict.currentUploadId || undefined,
    })),
    meterIds: report.meterIds,
  };
}

export function toEstimateJson(report: EstimateReport) {
  return {
    meterId: report.meterId,
    uploadId: report.uploadId || undefined,
    dryRun: report.dryRun,
    method: estimationMethodToJSON(report.method).replace('ESTIMATION_METHOD_', '').toLowerCase(),
    gaps: report.gaps,
    estimated: report.estimated,
    leftEmpty: report.leftEmpty,
  };
}

function toUploadJson(upload: Upload) {
  const options = upload.options;
  return {
    uploadId: upload.uploadId,
    receivedAt: toIsoSeconds(upload.receiveTime),
    committedAt: toIsoSeconds(upload.commitTime),
    source: upload.source,
    caller: upload.caller,
    fileName: upload.fileName === '' ? undefined : upload.fileName,
    sha256: upload.sha256,
    // As POST /api/readings takes them.
    options: {
      meter: options?.meterId || undefined,
      unit: options?.unit || undefined,
      tz: options?.timeZone || undefined,
      on_conflict: CONFLICT_POLICIES.nameOf(options?.onConflict ?? 0),
      mode: INGEST_MODES.nameOf(options?.mode ?? 0),
      time_label: TIME_LABELS.nameOf(options?.timeLabel ?? 0),
    },
    meterIds: upload.meterIds,
    report: toReportJson(upload.meterIds.length === 1 ? upload.meterIds[0]! : '', upload.report),
    revertible: upload.revertible,
    revert: upload.revert === undefined ? undefined : toRevertJson(upload.revert),
    estimate: upload.estimate === undefined ? undefined : toEstimateJson(upload.estimate),
  };
}

export async function uploadsRoutes(app: FastifyInstance, options: { deadlineMs: number }): Promise<void> {
  app.get<{ Querystring: { meter?: string; page_size?: number; page_token?: string } }>(
    '/api/uploads',
    {
      schema: {
        summary: 'The records of committed uploads, newest first (only uploads every meter of which the key is granted)',
        tags: ['readings'],
        querystring: querySchema({
          meter: { ...meterParam, description: 'Only uploads that touched this meter; omitted = every upload.' },
          page_size: pageSizeParam,
          page_token: {
            type: 'string',
            maxLength: 512,
            description: 'nextPageToken of the previous page, with the same meter; empty or omitted = the first page.',
          },
        }),
        response: {
          200: {
            type: 'object',
            required: ['uploads', 'nextPageToken'],
            properties: { uploads: { type: 'array', items: uploadSchema }, nextPageToken: { type: 'string', description: 'Empty on the last page.' } },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const pageSize = request.query.page_size ?? 0;
      const response = await callUnary(
        app.meterUsage.listUploads.bind(app.meterUsage),
        { meterId: request.query.meter ?? '', pageSize, pageToken: request.query.page_token ?? '' },
        { deadlineMs: options.deadlineMs, metadata: app.callMetadata(request) },
      );
      return { uploads: response.uploads.map(toUploadJson), nextPageToken: response.nextPageToken };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/uploads/:id',
    {
      schema: {
        summary: "One upload's record",
        tags: ['readings'],
        querystring: querySchema({}),
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } },
        response: { 200: { type: 'object', required: ['upload'], properties: { upload: uploadSchema } }, ...errorResponses },
      },
    },
    async (request) => {
      const response = await callUnary(
        app.meterUsage.getUpload.bind(app.meterUsage),
        { uploadId: request.params.id },
        { deadlineMs: options.deadlineMs, metadata: app.callMetadata(request) },
      );
      return { upload: toUploadJson(response.upload!) };
    },
  );
}
