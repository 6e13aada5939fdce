import {
  encodeReadingBatchesInSlices,
  encodeReadingsInSlices,
  ExportFormat,
  ExportReadingsResponse,
  GetMetricsResponse,
  type ExportLineFormat,
  ListReadingsResponse,
  encodeExportLines,
  type ExportReadingsRequest,
  type GetMetricsRequest,
  type ListReadingsRequest,
  type MeterUsageServiceServer,
} from '@meterusage/contracts';
import type { DatabaseHandle } from '../db/connection';
import { pageSizeOf } from '../grpc/request-fields';
import { serverStream } from '../grpc/server-stream';
import { unary } from '../grpc/unary';
import type { StreamGuards } from '../grpc/stream-guards';
import type { Logger } from '../logger';
import type { Telemetry } from '../prometheus';
import { requireMeter } from '../meters/require-meter';
import { requestedAsOf, requestedRange, resolveRange } from '../meters/resolve-range';
import type { PageTokens } from './page-token';
import { preEncoded } from '../grpc/pre-encoded';
import { InvalidArgumentError } from '../errors';
import { exportLineBatches } from './export-lines';
import { toReadingFields } from './readings.mapper';
import { listFirstReadings, listReadingSlots, streamReadingBatches } from './readings.repository';

export interface ReadingsHandlerDeps {
  database: DatabaseHandle;
  db: DatabaseHandle['db'];
  /** Meter used when a request leaves meter_id empty. */
  defaultMeterId: string;
  pageTokens: PageTokens;
  /** Bounds exports: how many run at once. */
  streamGuards: StreamGuards;
  logger: Logger;
  telemetry?: Telemetry;
}

/** Readings per ExportReadingsResponse message, and rows per database cursor fetch. */
export const EXPORT_BATCH_SIZE = 5000;
/**
 * Rows of each cursor read of GetMetrics, whose answer holds every reading of a meter: each batch is
 * encoded as it comes and dropped, where a year read as one result kept 35,000 row objects alive
 * and their collection stalled the event loop for 25–75 ms.
 */
const METRICS_BATCH_SIZE = 4096;

/** GetMetrics, ListReadings and ExportReadings: validate, query the repository, map rows to messages. */
export function createReadingHandlers(deps: ReadingsHandlerDeps): Pick<MeterUsageServiceServer, 'getMetrics' | 'listReadings' | 'exportReadings'> {
  const { db } = deps;
  return {
    getMetrics: unary('GetMetrics', deps, async (request: GetMetricsRequest): Promise<GetMetricsResponse> => {
      const asOfMs = requestedAsOf(request.asOf);
      const meter = await requireMeter(db, request.meterId, deps.defaultMeterId);
      const header = { meterId: meter.meter_id, unit: meter.unit, readings: [] as [], dataVersion: Number(meter.data_version) };
      // Most meters' readings fit one batch: one plain statement, the cheapest round trip. A longer
      // series is read again from its start through a cursor, one snapshot, a batch at a time.
      const head = await listFirstReadings(db, meter.meter_id, METRICS_BATCH_SIZE + 1, asOfMs);
      const batches = head.length <= METRICS_BATCH_SIZE ? [head] : streamReadingBatches(deps.database, meter.meter_id, undefined, METRICS_BATCH_SIZE, asOfMs);
      return preEncoded(await encodeReadingBatchesInSlices(GetMetricsResponse, header, batches, (record) => toReadingFields(record, meter)));
    }),

    listReadings: unary('ListReadings', deps, async (request: ListReadingsRequest): Promise<ListReadingsResponse> => {
      const pageSize = pageSizeOf(request.pageSize);
      requestedRange(request.startTime, request.endTime);
      const asOfMs = requestedAsOf(request.asOf);
      const meter = await requireMeter(db, request.meterId, deps.defaultMeterId);
      const query = { meterId: meter.meter_id, startMs: request.startTime?.getTime(), endMs: request.endTime?.getTime(), asOfMs };
      const cursor = request.pageToken === '' ? undefined : deps.pageTokens.decode(request.pageToken, query);
      const base = { meterId: meter.meter_id, unit: meter.unit, dataVersion: Number(meter.data_version) };
      const range = await resolveRange(db, meter, request.startTime, request.endTime, asOfMs);
      if (range === undefined) return { ...base, readings: [], nextPageToken: '' };

      // Slots are the meter's grid points (multiples of its interval since the epoch) in the range.
      const stepMs = meter.interval_seconds * 1000;
      const firstSlotMs = Math.ceil(Math.max(range.startMs, cursor?.nextStartMs ?? range.startMs) / stepMs) * stepMs;
      const lastSlotMs = Math.ceil(range.endMs / stepMs) * stepMs - stepMs;
      const remaining = lastSlotMs >= firstSlotMs ? (lastSlotMs - firstSlotMs) / stepMs + 1 : 0;
      const count = Math.min(pageSize, remaining);
      if (count === 0) return { ...base, readings: [], nextPageToken: '' };

      const slots = await listReadingSlots(db, meter.meter_id, { firstSlotMs, count, intervalSeconds: meter.interval_seconds }, asOfMs);
      const nextPageToken = count < remaining ? deps.pageTokens.encode({ ...query, nextStartMs: firstSlotMs + count * stepMs }) : '';
      const header = { ...base, nextPageToken, readings: [] as [] };
      return preEncoded(await encodeReadingsInSlices(ListReadingsResponse, header, slots.length, (index) => toReadingFields(slots[index]!, meter)));
    }),

    exportReadings: serverStream('ExportReadings', deps, deps.streamGuards, async (request: ExportReadingsRequest, write) => {
      requestedRange(request.startTime, request.endTime);
      const asOfMs = requestedAsOf(request.asOf);
      const format = exportFormatOf(request.format);
      const meter = await requireMeter(db, request.meterId, deps.defaultMeterId);
      const range = await resolveRange(db, meter, request.startTime, request.endTime, asOfMs);
      if (range === undefined) return;
      if (format !== undefined) {
        for await (const lines of exportLineBatches(deps.database, meter, range, format, asOfMs)) {
          await write(preEncoded(encodeExportLines(meter.meter_id, meter.unit, lines)));
        }
        return;
      }
      for await (const records of streamReadingBatches(deps.database, meter.meter_id, range, EXPORT_BATCH_SIZE, asOfMs)) {
        const header = { meterId: meter.meter_id, unit: meter.unit, readings: [] as [], lines: Buffer.alloc(0) };
        await write(
          preEncoded(await encodeReadingsInSlices(ExportReadingsResponse, header, records.length, (index) => toReadingFields(records[index]!, meter))),
        );
      }
    }),
  };
}

/** ExportReadingsRequest.format: a text format, or undefined for Reading messages; refused when it is none of the enum's values. */
function exportFormatOf(format: ExportFormat): ExportLineFormat | undefined {
  if (format === ExportFormat.EXPORT_FORMAT_UNSPECIFIED) return undefined;
  if (format === ExportFormat.EXPORT_FORMAT_CSV || format === ExportFormat.EXPORT_FORMAT_NDJSON) return format;
  throw new InvalidArgumentError('format', 'must be EXPORT_FORMAT_UNSPECIFIED, EXPORT_FORMAT_CSV or EXPORT_FORMAT_NDJSON');
}
