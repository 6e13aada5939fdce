import type { ClientReadableStream } from '@grpc/grpc-js';
import type { FastifyInstance } from 'fastify';
import { Readable } from 'node:stream';
import { CSV_HEADER, ExportFormat, ExportReadingsResponse, type ExportLineFormat } from '@meterusage/contracts';
import { querySchema, rangeParams, type RangeQuery } from './query-schemas';
import { toRangeRequest, type RangeRequest } from './range-request';
import { errorResponses, errorSchema } from './response-schemas';

type DownloadFormat = 'csv' | 'ndjson';

interface ExportQuery extends RangeQuery {
  format: DownloadFormat;
}

const CONTENT_TYPES: Record<DownloadFormat, string> = { csv: 'text/csv; charset=utf-8', ndjson: 'application/x-ndjson' };
// grpc-server writes the lines: the gateway hands its batches on as they come.
const LINE_FORMATS: Record<DownloadFormat, ExportLineFormat> = { csv: ExportFormat.EXPORT_FORMAT_CSV, ndjson: ExportFormat.EXPORT_FORMAT_NDJSON };

export async function exportRoutes(app: FastifyInstance, options: { deadlineMs: number }): Promise<void> {
  app.get<{ Querystring: ExportQuery }>(
    '/api/export',
    {
      schema: {
        summary: 'Every stored reading of a range as a CSV or NDJSON download, streamed (any size)',
        tags: ['readings'],
        querystring: querySchema({ ...rangeParams, format: { type: 'string', enum: ['csv', 'ndjson'], default: 'csv' } }),
        response: { 200: { description: `CSV (${CSV_HEADER.trim()}) or NDJSON, one reading per line.`, type: 'string' }, 429: errorSchema, ...errorResponses },
      },
      config: { grpcDeadlineMs: options.deadlineMs },
    },
    async (request, reply) => {
      const range = toRangeRequest(request.query);
      const metadata = app.callMetadata(request);
      const format = request.query.format;
      const call = app.answerBytes.exportReadings({ ...range, format: LINE_FORMATS[format] }, metadata, { deadline: Date.now() + options.deadlineMs });
      // Wait for the first batch (or the end, or an error) before answering: an unknown meter or a
      // bad range is still a proper 4xx then, not a broken download.
      const encoded = await firstBatch(call);
      const first = encoded === undefined ? undefined : firstLinesOf(call, encoded);
      const meterId = first?.meterId ?? (range.meterId || 'meter');
      reply
        .type(CONTENT_TYPES[format])
        .header('content-disposition', `attachment; filename="${fileName(meterId, range, format, request.query.tz)}"`)
        .header('cache-control', 'no-store');
      return reply.send(Readable.from(exportBody(call, first?.lines, format), { objectMode: false }));
    },
  );
}

function firstBatch(call: ClientReadableStream<Buffer>): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      call.off('data', onData);
      call.off('end', onEnd);
      call.off('error', onError);
    };
    const onData = (message: Buffer) => {
      cleanup();
      call.pause();
      resolve(message);
    };
    const onEnd = () => {
      cleanup();
      resolve(undefined);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    call.on('data', onData);
    call.on('end', onEnd);
    call.on('error', onError);
  });
}

/** linesOf the first batch; a refused one stops the call, which no download will read. */
function firstLinesOf(call: ClientReadableStream<Buffer>, bytes: Buffer): { meterId: string; lines: Uint8Array } {
  try {
    return linesOf(bytes);
  } catch (error) {
    call.cancel();
    throw error;
  }
}

/** One batch of the export (its encoded bytes): the meter it names and its lines, as grpc-server wrote them. */
function linesOf(bytes: Buffer): { meterId: string; lines: Uint8Array } {
  const { meterId, lines, readings } = ExportReadingsResponse.decode(bytes);
  // A grpc-server older than the export's format field sends Reading messages instead: losing
  // them silently would be a short download that looks whole.
  if (readings.length > 0) throw new Error('grpc-server sent export readings without their lines: upgrade it before the gateway');
  return { meterId, lines };
}

/** The download: header, the first batch's lines, then every further batch as it arrives (backpressure via the iterator). */
async function* exportBody(call: ClientReadableStream<Buffer>, first: Uint8Array | undefined, format: DownloadFormat): AsyncGenerator<Uint8Array> {
  let finished = first === undefined;
  try {
    if (format === 'csv') yield Buffer.from(CSV_HEADER, 'utf8');
    if (first === undefined) return;
    yield first;
    for await (const message of call as AsyncIterable<Buffer>) yield linesOf(message).lines;
    finished = true;
  } finally {
    // The HTTP client went away (or the stream failed): stop grpc-server producing.
    if (!finished) call.cancel();
  }
}

/** "meter-1_2019-01-17_2019-01-18.csv": the range's dates in the request's time zone (first/last when open). */
function fileName(meterId: string, range: RangeRequest, format: DownloadFormat, timeZone: string): string {
  const localDate = localDateFormat(timeZone);
  const day = (date: Date | undefined, fallback: string) => (date === undefined ? fallback : localDate.format(date));
  return `${meterId}_${day(range.startTime, 'first')}_${day(range.endTime, 'last')}.${format === 'csv' ? 'csv' : 'ndjson'}`;
}

// Building an Intl.DateTimeFormat costs about half a millisecond (a tenth of a small export's
// time under load); each zone's is kept. Zone names are matched without regard to case, so a
// caller could name one zone in many spellings: the set is emptied past a bound.
const localDateFormats = new Map<string, Intl.DateTimeFormat>();
const MOST_LOCAL_DATE_FORMATS = 1000;

/** "2019-01-17" of an instant in timeZone. */
function localDateFormat(timeZone: string): Intl.DateTimeFormat {
  let format = localDateFormats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    if (localDateFormats.size >= MOST_LOCAL_DATE_FORMATS) localDateFormats.clear();
    localDateFormats.set(timeZone, format);
  }
  return format;
}
