import { EstimationMethod, type ReadingVersion } from '@meterusage/contracts';
import type { FastifyInstance } from 'fastify';
import { BadRequestError } from '../errors';
import { callUnary } from '../grpc/call';
import { qualityName } from '@meterusage/contracts';
import { toIsoSeconds } from './json-mapping';
import { meterParam, plainRangeParams, querySchema, type RangeQuery } from './query-schemas';
import { requireIngestToken } from './ingest-token';
import { toRangeRequest } from './range-request';
import { errorResponses, readingSchema } from './response-schemas';
import { estimateReportSchema, revertReportSchema, toEstimateJson, toRevertJson } from './uploads.routes';

// Provenance over HTTP: every version of a range's intervals, reverting an upload, estimating gaps.

const pageSizeParam = { type: 'integer', minimum: 1, maximum: 10000, description: 'Versions per page (default 1000, at most 10000).' } as const;
const flag = (description: string) => ({ type: 'boolean', default: false, description }) as const;

const versionSchema = {
  type: 'object',
  required: ['start', 'end', 'quality', 'current'],
  properties: {
    start: { type: 'string', format: 'date-time' },
    end: { type: 'string', format: 'date-time' },
    usage: { type: 'number', description: 'Absent for a missing value.' },
    // The reading's own schema, so a quality a newer server sends serialises as it does there.
    quality: readingSchema.properties.quality,
    uploadId: { type: 'string', description: 'The upload that wrote it; absent for values older than upload records.' },
    validFrom: { type: 'string', format: 'date-time', description: "When it became the interval's value; absent when unknown." },
    validTo: { type: 'string', format: 'date-time', description: 'When it stopped being the value; absent while current.' },
    replacedBy: { type: 'string', description: 'The upload that replaced or removed it; absent while current.' },
    current: { type: 'boolean' },
  },
} as const;

function toVersionJson(version: ReadingVersion) {
  return {
    start: toIsoSeconds(version.start),
    end: toIsoSeconds(version.end),
    usage: version.usage,
    quality: qualityName(version.quality),
    uploadId: version.uploadId || undefined,
    validFrom: toIsoSeconds(version.validFrom),
    validTo: toIsoSeconds(version.validTo),
    replacedBy: version.replacedBy || undefined,
    current: version.current,
  };
}

const METHODS = { linear: EstimationMethod.ESTIMATION_METHOD_LINEAR, profile: EstimationMethod.ESTIMATION_METHOD_PROFILE } as const;

export async function historyRoutes(
  app: FastifyInstance,
  options: {
    deadlineMs: number;
    /** Reverts and estimation runs: as long as an upload (a revert of a large upload writes as much). */
    writeDeadlineMs: number;
    /** The deprecated INGEST_TOKEN, checked on the writes while keys are off (ingest-token.ts). */
    token: string | undefined;
  },
): Promise<void> {
  app.get<{ Querystring: RangeQuery & { page_size?: number; page_token?: string } }>(
    '/api/readings/history',
    {
      schema: {
        summary: "Every version of a range's intervals: the current value and each one replaced or removed, with the uploads that wrote and replaced them",
        tags: ['readings'],
        querystring: querySchema({
          ...plainRangeParams,
          page_size: pageSizeParam,
          page_token: { type: 'string', maxLength: 512, description: 'nextPageToken of the previous page, with the same meter, from and to.' },
        }),
        response: {
          200: {
            type: 'object',
            required: ['meterId', 'unit', 'versions', 'nextPageToken'],
            properties: {
              meterId: { type: 'string' },
              unit: { type: 'string' },
              versions: { type: 'array', items: versionSchema },
              nextPageToken: { type: 'string' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const range = toRangeRequest(request.query);
      const pageSize = request.query.page_size ?? 0;
      const response = await callUnary(
        app.meterUsage.listReadingHistory.bind(app.meterUsage),
        { meterId: range.meterId, startTime: range.startTime, endTime: range.endTime, pageSize, pageToken: request.query.page_token ?? '' },
        { deadlineMs: options.deadlineMs, metadata: app.callMetadata(request) },
      );
      return { meterId: response.meterId, unit: response.unit, versions: response.versions.map(toVersionJson), nextPageToken: response.nextPageToken };
    },
  );

  app.post<{ Params: { id: string }; Querystring: { force: boolean; dry_run: boolean } }>(
    '/api/uploads/:id/revert',
    {
      schema: {
        summary:
          'Undo an upload: what it inserted is removed, what it changed gets its previous value back, except intervals a later upload changed (conflicts)',
        tags: ['readings'],
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } },
        querystring: querySchema({
          force: flag('Revert conflicting intervals too.'),
          dry_run: flag('Answer what the revert would do, writing nothing.'),
        }),
        response: { 200: revertReportSchema, ...errorResponses },
      },
      config: { grpcDeadlineMs: options.writeDeadlineMs },
    },
    async (request) => {
      requireIngestToken(request, options.token);
      const response = await callUnary(
        app.meterUsage.revertUpload.bind(app.meterUsage),
        { uploadId: request.params.id, force: request.query.force, dryRun: request.query.dry_run },
        { deadlineMs: options.writeDeadlineMs, metadata: app.callMetadata(request) },
      );
      return toRevertJson(response.report!);
    },
  );

  app.post<{
    Params: { id: string };
    Querystring: { from?: string; to?: string; tz: string; method: keyof typeof METHODS; max_gap?: number; weeks?: number; dry_run: boolean };
  }>(
    '/api/meters/:id/estimate',
    {
      schema: {
        summary: 'Fill the missing and not-received intervals of a range with estimates (quality ESTIMATED), as one upload that can be reverted',
        tags: ['readings'],
        params: { type: 'object', required: ['id'], properties: { id: meterParam } },
        querystring: querySchema({
          from: { ...plainRangeParams.from, description: 'Inclusive start (required). RFC 3339 timestamp or date (local midnight in tz).' },
          to: { ...plainRangeParams.to, description: 'Exclusive end (required). RFC 3339 timestamp or date (local midnight in tz).' },
          tz: plainRangeParams.tz,
          method: {
            type: 'string',
            enum: ['linear', 'profile'],
            description: 'linear: a straight line across short gaps; profile: the mean of the same weekday and time of earlier weeks.',
          },
          max_gap: {
            type: 'integer',
            minimum: 1,
            maximum: 10000,
            description: 'linear: the longest gap filled, in intervals (default ESTIMATE_MAX_GAP_INTERVALS).',
          },
          weeks: { type: 'integer', minimum: 1, maximum: 52, description: 'profile: earlier weeks averaged (default 4).' },
          dry_run: flag('Answer what would be estimated, writing nothing.'),
        }),
        response: { 200: estimateReportSchema, ...errorResponses },
      },
      config: { grpcDeadlineMs: options.writeDeadlineMs },
    },
    async (request) => {
      requireIngestToken(request, options.token);
      const query = request.query;
      if (query.method === undefined) throw new BadRequestError('method', 'is required: linear or profile');
      const range = toRangeRequest({ meter: request.params.id, from: query.from, to: query.to, tz: query.tz });
      const response = await callUnary(
        app.meterUsage.estimateReadings.bind(app.meterUsage),
        {
          meterId: request.params.id,
          startTime: range.startTime,
          endTime: range.endTime,
          method: METHODS[query.method],
          maxGapIntervals: query.max_gap ?? 0,
          timeZone: query.tz,
          profileWeeks: query.weeks ?? 0,
          dryRun: query.dry_run,
        },
        { deadlineMs: options.writeDeadlineMs, metadata: app.callMetadata(request) },
      );
      return toEstimateJson(response.report!);
    },
  );
}
