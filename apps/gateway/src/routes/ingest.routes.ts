import { Metadata, type ClientWritableStream } from '@grpc/grpc-js';
import type { FastifyInstance } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  ConflictPolicy,
  IngestMode,
  IngestOptions,
  TimeLabel,
  type IngestReadingsRequest,
  type IngestReadingsResponse,
  type IngestReport,
} from '@meterusage/contracts';
import { HttpStatusError } from '../errors';
import { toIsoSeconds } from './json-mapping';
import { meterParam, querySchema } from './query-schemas';
import { errorResponses, errorSchema } from './response-schemas';

export interface IngestRouteOptions {
  /** Largest accepted body, in bytes; larger uploads get 413 and write nothing. */
  bodyLimitBytes: number;
  deadlineMs: number;
  /** When set, uploads need "Authorization: Bearer <token>". */
  token?: string | undefined;
}

interface IngestQuery {
  meter?: string;
  unit?: string;
  tz?: string;
  on_conflict: 'update' | 'skip' | 'reject';
  mode: 'atomic' | 'partial';
  time_label?: 'start' | 'end';
}

const CSV_TYPES = ['text/csv', 'application/csv'];
const POLICIES = { update: ConflictPolicy.CONFLICT_POLICY_UPDATE, skip: ConflictPolicy.CONFLICT_POLICY_SKIP, reject: ConflictPolicy.CONFLICT_POLICY_REJECT };
const MODES = { atomic: IngestMode.INGEST_MODE_ATOMIC, partial: IngestMode.INGEST_MODE_PARTIAL };
const LABELS = { start: TimeLabel.TIME_LABEL_START, end: TimeLabel.TIME_LABEL_END };

const reportSchema = {
  type: 'object',
  required: ['committed', 'accepted', 'inserted', 'updated', 'unchanged', 'skipped', 'rejected', 'errors', 'meters', 'meterCount', 'metersCreated', 'metersCreatedCount'],
  properties: {
    meterId: { type: 'string', description: 'The one meter the upload targeted; absent for a multi-meter upload (see meters).' },
    committed: { type: 'boolean', description: 'False: nothing was written.' },
    accepted: { type: 'integer' },
    inserted: { type: 'integer' },
    updated: { type: 'integer' },
    unchanged: { type: 'integer' },
    skipped: { type: 'integer' },
    rejected: { type: 'integer' },
    errors: {
      type: 'array',
      description: 'The first 100 rejections.',
      items: { type: 'object', properties: { line: { type: 'integer' }, field: { type: 'string' }, reason: { type: 'string' } } },
    },
    meters: {
      type: 'array',
      description: 'Counts per meter the upload named: the first 100 by meter id.',
      items: {
        type: 'object',
        required: ['meterId', 'created', 'inserted', 'updated', 'unchanged', 'skipped', 'rejected'],
        properties: {
          meterId: { type: 'string' },
          created: { type: 'boolean' },
          inserted: { type: 'integer' },
          updated: { type: 'integer' },
          unchanged: { type: 'integer' },
          skipped: { type: 'integer' },
          rejected: { type: 'integer' },
        },
      },
    },
    meterCount: { type: 'integer', description: 'Meters the upload named (meters lists the first 100).' },
    metersCreated: { type: 'array', items: { type: 'string' }, description: 'Meters the upload created: the first 100 by meter id.' },
    metersCreatedCount: { type: 'integer', description: 'Meters the upload created.' },
    firstIntervalStart: { type: 'string', format: 'date-time' },
    lastIntervalEnd: { type: 'string', format: 'date-time' },
  },
} as const;

export async function ingestRoutes(app: FastifyInstance, options: IngestRouteOptions): Promise<void> {
  // Keep the body a stream: it is passed on to grpc-server chunk by chunk, never held whole.
  app.addContentTypeParser(CSV_TYPES, (_request, payload, done) => done(null, payload));

  app.post<{ Querystring: IngestQuery; Body: Readable }>(
    '/api/readings',
    {
      schema: {
        summary: 'Upload a CSV of readings (streamed): validate every row, then insert, correct or skip, and report',
        tags: ['readings'],
        consumes: CSV_TYPES,
        querystring: querySchema({
          meter: { ...meterParam, description: 'Meter of rows without a meter_id column; created if new. Omitted = the default meter.' },
          unit: { type: 'string', minLength: 1, maxLength: 16, description: 'Unit of meters the upload creates (default kWh).' },
          tz: { type: 'string', minLength: 1, maxLength: 64, description: "IANA zone of times without an offset (default: grpc-server's CSV_TIMEZONE)." },
          on_conflict: { type: 'string', enum: ['update', 'skip', 'reject'], default: 'update', description: 'A different stored value: replace it, keep it, or reject the row.' },
          mode: { type: 'string', enum: ['atomic', 'partial'], default: 'atomic', description: 'atomic: any rejected row writes nothing (422).' },
          time_label: { type: 'string', enum: ['start', 'end'], description: "Which end of its interval a time names (default: the meter's setting)." },
        }),
        response: { 200: reportSchema, 401: errorSchema, 409: errorSchema, 413: errorSchema, 415: errorSchema, 422: reportSchema, 429: errorSchema, ...errorResponses },
      },
      // An answer sent before the whole body was read (a refusal, a failed upload, 413) must close
      // the connection: the unread rest of the body would otherwise sit in front of the next
      // request a keep-alive client sends on it, and that request would hang.
      onSend: async (request, reply) => {
        if (!request.raw.readableEnded) void reply.header('connection', 'close');
      },
    },
    async (request, reply) => {
      if (options.token !== undefined && !bearerMatches(request.headers.authorization, options.token)) {
        throw new HttpStatusError(401, 'UNAUTHENTICATED', 'uploads need "Authorization: Bearer <INGEST_TOKEN>"');
      }
      // Other types Fastify knows (JSON) arrive parsed; this route takes CSV only.
      if (!(request.body instanceof Readable)) {
        throw new HttpStatusError(415, 'UNSUPPORTED_MEDIA_TYPE', `send the CSV with Content-Type ${CSV_TYPES.join(' or ')}`);
      }
      const declaredLength = Number(request.headers['content-length'] ?? Number.NaN);
      if (declaredLength > options.bodyLimitBytes) throw tooLarge(options.bodyLimitBytes);
      const metadata = new Metadata();
      metadata.set('x-request-id', request.id);
      let overLimit = false;
      const response = await new Promise<IngestReadingsResponse>((resolve, reject) => {
        const call = app.meterUsage.ingestReadings(metadata, { deadline: Date.now() + options.deadlineMs }, (error, result) =>
          error ? reject(overLimit ? tooLarge(options.bodyLimitBytes) : error) : resolve(result!),
        );
        const query = request.query;
        const ingestOptions = IngestOptions.fromPartial({
          meterId: query.meter ?? '',
          unit: query.unit ?? '',
          timeZone: query.tz ?? '',
          onConflict: POLICIES[query.on_conflict],
          mode: MODES[query.mode],
          timeLabel: query.time_label === undefined ? TimeLabel.TIME_LABEL_UNSPECIFIED : LABELS[query.time_label],
          sourceName: `POST /api/readings ${request.id}`,
        });
        call.write({ payload: { $case: 'options', value: ingestOptions } });
        pump(request.body, call, options.bodyLimitBytes, () => {
          // Cancelling rolls the upload back on grpc-server: nothing is written.
          overLimit = true;
          call.cancel();
        });
      });
      const report = toReportJson(response.meterId, response.report);
      return reply.code(report.committed ? 200 : 422).send(report);
    },
  );
}

/**
 * Forwards the request body to the gRPC call chunk by chunk with backpressure, counting bytes;
 * past the limit it stops reading (without destroying the request, so the 413 can still be sent).
 */
function pump(body: Readable, call: ClientWritableStream<IngestReadingsRequest>, limit: number, onOverLimit: () => void): void {
  let received = 0;
  const onData = (chunk: Buffer) => {
    received += chunk.length;
    if (received > limit) {
      body.off('data', onData);
      body.off('end', onEnd);
      body.pause();
      onOverLimit();
      return;
    }
    if (!call.write({ payload: { $case: 'chunk', value: chunk } })) {
      body.pause();
      call.once('drain', () => body.resume());
    }
  };
  const onEnd = () => call.end();
  body.on('data', onData);
  body.on('end', onEnd);
  body.once('error', () => call.cancel());
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function tooLarge(limit: number): HttpStatusError {
  return new HttpStatusError(413, 'PAYLOAD_TOO_LARGE', `the upload is larger than ${limit} bytes; split it or use the ingest CLI`);
}

function toReportJson(meterId: string, report: IngestReport | undefined) {
  return {
    meterId: meterId === '' ? undefined : meterId,
    committed: report?.committed ?? false,
    accepted: report?.accepted ?? 0,
    inserted: report?.inserted ?? 0,
    updated: report?.updated ?? 0,
    unchanged: report?.unchanged ?? 0,
    skipped: report?.skipped ?? 0,
    rejected: report?.rejected ?? 0,
    errors: report?.errors ?? [],
    meters: (report?.meters ?? []).map((meter) => ({
      meterId: meter.meterId,
      created: meter.created,
      inserted: meter.inserted,
      updated: meter.updated,
      unchanged: meter.unchanged,
      skipped: meter.skipped,
      rejected: meter.rejected,
    })),
    meterCount: report?.meterCount ?? 0,
    metersCreated: report?.metersCreated ?? [],
    metersCreatedCount: report?.metersCreatedCount ?? 0,
    firstIntervalStart: toIsoSeconds(report?.firstIntervalStart),
    lastIntervalEnd: toIsoSeconds(report?.lastIntervalEnd),
  };
}
