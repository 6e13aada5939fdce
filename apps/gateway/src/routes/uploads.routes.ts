import { CONFLICT_POLICIES, INGEST_MODES, TIME_LABELS } from '@meterusage/meters';
import type { Upload } from '@meterusage/contracts';
import type { FastifyInstance } from 'fastify';
import { BadRequestError, ruleOf } from '../errors';
import { callUnary } from '../grpc/call';
import { reportSchema, toReportJson } from './ingest-report-json';
import { toIsoSeconds } from './json-mapping';
import { meterParam, querySchema } from './query-schemas';
import { errorResponses } from './response-schemas';

// The records of committed uploads: who sent what, when, with which options and result.

/** ListUploads' range for page_size; omitted = 50 (0 is refused here, as for readings). */
const pageSizeParam = { type: 'integer', minimum: 1, maximum: 1000, description: 'Uploads per page (default 50, at most 1000).' } as const;

const uploadSchema = {
  type: 'object',
  required: ['uploadId', 'receivedAt', 'committedAt', 'source', 'caller', 'sha256', 'options', 'meterIds', 'report'],
  properties: {
    uploadId: { type: 'string' },
    receivedAt: { type: 'string', format: 'date-time', description: 'When the upload began to arrive.' },
    committedAt: { type: 'string', format: 'date-time', description: 'When its readings were written.' },
    source: { type: 'string', description: 'POST /api/readings, meterusage-ingest, IngestReadings or seed.' },
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
  },
} as const;

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
      if (!Number.isSafeInteger(pageSize)) throw new BadRequestError('page_size', ruleOf(pageSizeParam));
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
