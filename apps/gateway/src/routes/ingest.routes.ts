import type { ClientWritableStream } from '@grpc/grpc-js';
import type { FastifyInstance } from 'fastify';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { IngestOptions, TimeLabel, type IngestReadingsRequest, type IngestReadingsResponse } from '@meterusage/contracts';
import {
  CONFLICT_POLICIES,
  DEFAULT_CONFLICT_POLICY,
  DEFAULT_INGEST_MODE,
  INGEST_MODES,
  TIME_LABELS,
  type ConflictPolicyName,
  type IngestModeName,
  type TimeLabelName,
} from '@meterusage/meters';
import { requireIngestToken } from './ingest-token';
import { HttpStatusError } from '../errors';
import { reportSchema, toReportJson } from './ingest-report-json';
import { meterParam, querySchema } from './query-schemas';
import { errorResponses, errorSchema } from './response-schemas';

export interface IngestRouteOptions {
  /** Largest accepted body, in bytes; larger uploads get 413 and write nothing. */
  bodyLimitBytes: number;
  deadlineMs: number;
  /**
   * Deprecated (INGEST_TOKEN, with AUTH_MODE=off only): when set, uploads need "Authorization:
   * Bearer <token>". With AUTH_MODE=keys grpc-server judges the caller's key (and accepts the
   * token as a write key when INGEST_TOKEN is set there too).
   */
  token?: string | undefined;
}

interface IngestQuery {
  meter?: string;
  unit?: string;
  tz?: string;
  on_conflict: ConflictPolicyName;
  mode: IngestModeName;
  time_label?: TimeLabelName;
  file_name?: string;
}

const CSV_TYPES = ['text/csv', 'application/csv'];
// RFC 9110 8.4.1.3: x-gzip is gzip; identity (no coding) is accepted as a no-op.
const CONTENT_CODINGS: Record<string, 'gzip' | 'identity'> = { gzip: 'gzip', 'x-gzip': 'gzip', identity: 'identity' };
const ACCEPTED_ENCODINGS = 'gzip, identity';

export async function ingestRoutes(app: FastifyInstance, options: IngestRouteOptions): Promise<void> {
  // Keep the body a stream: it is passed on to grpc-server chunk by chunk, never held whole. Every
  // type arrives unparsed (this plugin's scope only), so the handler refuses what is not CSV in
  // its own words, and a JSON body is never parsed just to be refused.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.post<{ Querystring: IngestQuery; Body: Readable }>(
    '/api/readings',
    {
      schema: {
        summary: 'Upload a CSV of readings (streamed): validate every row, then insert, correct or skip, and report',
        tags: ['readings'],
        consumes: CSV_TYPES,
        querystring: querySchema({
          meter: {
            ...meterParam,
            description:
              'The one meter to write (created if new); rows whose meter_id column names another meter are rejected. Omitted: a meter_id column sends each row to the meter it names, else the default meter.',
          },
          unit: {
            type: 'string',
            minLength: 1,
            maxLength: 16,
            description: 'Unit of the values: new meters get it (default kWh); an existing meter with another unit is 409.',
          },
          tz: { type: 'string', minLength: 1, maxLength: 64, description: "IANA zone of times without an offset (default: grpc-server's CSV_TIMEZONE)." },
          on_conflict: {
            type: 'string',
            enum: CONFLICT_POLICIES.names,
            default: DEFAULT_CONFLICT_POLICY,
            description: 'A different stored value: replace it, keep it, or reject the row.',
          },
          mode: { type: 'string', enum: INGEST_MODES.names, default: DEFAULT_INGEST_MODE, description: 'atomic: any rejected row writes nothing (422).' },
          time_label: {
            type: 'string',
            enum: TIME_LABELS.names,
            description: 'Which end of its interval a time names: new meters get it (default end); an existing meter with the other label is 409.',
          },
          file_name: { type: 'string', minLength: 1, maxLength: 200, description: "The file's name, kept in the upload's record." },
        }),
        headers: {
          type: 'object',
          properties: {
            'content-encoding': { type: 'string', description: 'gzip (or x-gzip) for a compressed CSV, identity or none for plain; anything else is 415.' },
          },
        },
        response: {
          200: reportSchema,
          401: errorSchema,
          409: errorSchema,
          413: { ...errorSchema, description: 'The CSV (after decompression) is larger than INGEST_BODY_LIMIT_BYTES; nothing written.' },
          415: { ...errorSchema, description: 'Not text/csv, or a Content-Encoding other than gzip/identity (Accept-Encoding lists those).' },
          422: reportSchema,
          429: errorSchema,
          ...errorResponses,
        },
      },
      config: { grpcDeadlineMs: options.deadlineMs },
      // An answer sent before the whole body was read (a refusal, a failed upload, 413) must close
      // the connection: the unread rest of the body would otherwise sit in front of the next
      // request a keep-alive client sends on it, and that request would hang.
      onSend: async (request, reply) => {
        if (!request.raw.readableEnded) void reply.header('connection', 'close');
      },
    },
    async (request, reply) => {
      requireIngestToken(request, options.token);
      const mediaType = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase() ?? '';
      if (!(request.body instanceof Readable) || !CSV_TYPES.includes(mediaType)) {
        throw new HttpStatusError(415, 'UNSUPPORTED_MEDIA_TYPE', `send the CSV with Content-Type ${CSV_TYPES.join(' or ')}`);
      }
      const coding = contentCoding(request.headers['content-encoding']);
      const declaredLength = Number(request.headers['content-length'] ?? Number.NaN);
      // A gzip body's length says nothing certain about the CSV's: that is counted as it is decompressed.
      if (coding === 'identity' && declaredLength > options.bodyLimitBytes) throw tooLarge(options.bodyLimitBytes);
      const metadata = app.callMetadata(request);
      // Why the upload was cancelled on our side (too large, not gzip), to answer with instead of CANCELLED.
      let refusal: HttpStatusError | undefined;
      const response = await new Promise<IngestReadingsResponse>((resolve, reject) => {
        const call = app.meterUsage.ingestReadings(metadata, { deadline: Date.now() + options.deadlineMs }, (error, result) =>
          error ? reject(refusal ?? error) : resolve(result),
        );
        const query = request.query;
        const ingestOptions = IngestOptions.fromPartial({
          meterId: query.meter ?? '',
          unit: query.unit ?? '',
          timeZone: query.tz ?? '',
          onConflict: CONFLICT_POLICIES.values[query.on_conflict],
          mode: INGEST_MODES.values[query.mode],
          timeLabel: query.time_label === undefined ? TimeLabel.TIME_LABEL_UNSPECIFIED : TIME_LABELS.values[query.time_label],
          sourceName: `POST /api/readings ${request.id}`,
          client: 'POST /api/readings',
          fileName: query.file_name ?? '',
          // Committed only after the end message, sent once the whole body has been read (and
          // decompressed): a body that fails halfway can never leave a part of its rows behind.
          explicitEnd: true,
        });
        call.write({ payload: { $case: 'options', value: ingestOptions } });
        pump(csvBytes(request.body, coding), call, options.bodyLimitBytes, (why) => {
          // Cancelling rolls the upload back on grpc-server: nothing is written.
          refusal = why;
          call.cancel();
        });
      });
      const report = toReportJson(response.meterId, response.report);
      return reply.code(report.committed ? 200 : 422).send(report);
    },
  );
}

/** The body's one content coding (RFC 9110 8.4): gzip or identity; any other, or several, is 415 naming what is accepted. */
function contentCoding(header: string | undefined): 'gzip' | 'identity' {
  const codings = (header ?? '')
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  if (codings.length === 0) return 'identity';
  if (codings.length === 1 && CONTENT_CODINGS[codings[0]!] === 'gzip') return 'gzip';
  throw new HttpStatusError(
    415,
    'UNSUPPORTED_MEDIA_TYPE',
    `Content-Encoding ${JSON.stringify(header)} is not supported; send the CSV uncompressed or gzip-compressed (Content-Encoding: gzip)`,
    { 'accept-encoding': ACCEPTED_ENCODINGS },
  );
}

/** What the request body reads as: its bytes, or for gzip what they decompress to (streamed). */
interface CsvBytes {
  bytes: Readable;
  /** Stops reading the request without destroying it (a response must still be sent on its socket). */
  stop(): void;
}

function csvBytes(body: Readable, coding: 'gzip' | 'identity'): CsvBytes {
  if (coding === 'identity') return { bytes: body, stop: () => body.pause() };
  const gunzip = createGunzip();
  body.pipe(gunzip);
  body.once('error', (error) => gunzip.destroy(error));
  return {
    bytes: gunzip,
    stop() {
      body.unpipe(gunzip);
      body.pause();
      gunzip.destroy();
    },
  };
}

/**
 * Forwards the CSV to the gRPC call chunk by chunk with backpressure, counting decompressed bytes;
 * past the limit (413) or at a gzip error (400) it stops reading and tells onRefused why.
 */
function pump(csv: CsvBytes, call: ClientWritableStream<IngestReadingsRequest>, limit: number, onRefused: (why: HttpStatusError) => void): void {
  const { bytes } = csv;
  let received = 0;
  const refuse = (why: HttpStatusError) => {
    bytes.off('data', onData);
    bytes.off('end', onEnd);
    bytes.off('error', onError);
    bytes.on('error', () => undefined); // a later error of a stream given up is expected
    csv.stop();
    onRefused(why);
  };
  const onData = (chunk: Buffer) => {
    received += chunk.length;
    if (received > limit) return refuse(tooLarge(limit));
    if (!call.write({ payload: { $case: 'chunk', value: chunk } })) {
      bytes.pause();
      call.once('drain', () => bytes.resume());
    }
  };
  const onEnd = () => {
    call.write({ payload: { $case: 'end', value: {} } });
    call.end();
  };
  const onError = (error: Error & { code?: string }) => (error.code?.startsWith('Z_') === true ? refuse(notGzip(error.code)) : call.cancel()); // else the client went away: nobody to answer
  bytes.on('data', onData);
  bytes.on('end', onEnd);
  bytes.once('error', onError);
}

function notGzip(zlibCode: string): HttpStatusError {
  const why = zlibCode === 'Z_BUF_ERROR' ? 'it ends in the middle of the compressed data' : 'its bytes are not gzip data or are damaged';
  return new HttpStatusError(400, 'INVALID_ARGUMENT', `the body is not valid gzip (Content-Encoding: gzip): ${why}; nothing written`);
}

function tooLarge(limit: number): HttpStatusError {
  return new HttpStatusError(
    413,
    'PAYLOAD_TOO_LARGE',
    `the CSV is larger than ${limit} bytes (counted after decompression); nothing written: split it or use the ingest CLI`,
  );
}
