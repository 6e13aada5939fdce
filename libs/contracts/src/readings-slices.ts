import type { ExportReadingsResponse, GetMetricsResponse, ListReadingsResponse } from './gen/meterusage/v1/meter_usage_service';
import type { ProtoSink } from './proto-sink';
import { ReadingReader, type ReadingFields } from './reading-wire';
import { SLICE_MS } from './event-loop-slices';
import { decodeInSlices, encodeBatchesInSlices, encodeInSlices, type MessageCodec, type RepeatedField } from './repeated-field-slices';

// The answers whose bulk is readings (GetMetrics, ListReadings, ExportReadings: `readings = 3`
// in each) in slices, as plain numbers (repeated-field-slices.ts).

/** readings = 3; a reading with three whole-second times after 1970, a value and a quality takes about 37 bytes. */
const READINGS: RepeatedField<ReadingFields> = {
  tag: (3 << 3) | 2,
  typicalBytes: 40,
  write: (sink: ProtoSink, tag, reading) => sink.reading(tag, reading),
  reader: (bytes) => new ReadingReader(bytes),
};

/** The messages with `repeated Reading readings = 3`. */
export type ReadingsMessage = GetMetricsResponse | ListReadingsResponse | ExportReadingsResponse;

/** The bytes of codec.encode() of header (its readings empty) with readingAt(0 … count-1) as readings, built in slices. */
export function encodeReadingsInSlices<Message extends ReadingsMessage>(
  codec: MessageCodec<Message>,
  header: Message & { readings: [] },
  count: number,
  readingAt: (index: number) => ReadingFields,
  sliceMs = SLICE_MS,
): Promise<Buffer> {
  return encodeInSlices(codec, READINGS, header, count, readingAt, sliceMs);
}

/** encodeReadingsInSlices for readings that arrive in batches, each written as it comes. */
export function encodeReadingBatchesInSlices<Message extends ReadingsMessage, Row>(
  codec: MessageCodec<Message>,
  header: Message & { readings: [] },
  batches: AsyncIterable<readonly Row[]> | Iterable<readonly Row[]>,
  readingOf: (row: Row) => ReadingFields,
  sliceMs = SLICE_MS,
): Promise<Buffer> {
  return encodeBatchesInSlices(codec, READINGS, header, batches, readingOf, sliceMs);
}

/** Decodes bytes as codec.decode() does, each reading handed to onReading in order; resolves with the other fields. */
export function decodeReadingsInSlices<Message extends ReadingsMessage>(
  codec: MessageCodec<Message>,
  bytes: Uint8Array,
  onReading: (reading: ReadingFields, index: number) => void,
  sliceMs = SLICE_MS,
): Promise<Message> {
  return decodeInSlices(codec, READINGS, bytes, onReading, sliceMs);
}
