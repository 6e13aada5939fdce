// The lines of an export (ExportFormat CSV and NDJSON): grpc-server writes them from the stored
// rows, and they are the bytes of the gateway's /api/export download.
import { ExportFormat, ExportReadingsResponse } from '../gen/meterusage/v1/meter_usage_service';
import { ProtoSink } from '../proto-sink';
import type { ReadingFields } from '../reading-wire';
import { qualityName, writeNumberField, writeTimeField } from './json-text';
import type { TextSink } from './text-sink';

/**
 * CSV keeps the seed's column names (time, meterusage) so an export can be loaded again; start and
 * end make each interval explicit; a missing value is an empty meterusage field.
 */
export const CSV_HEADER = 'meter_id,time,start,end,meterusage,quality\n';

/** The text formats of an export's lines. */
export type ExportLineFormat = ExportFormat.EXPORT_FORMAT_CSV | ExportFormat.EXPORT_FORMAT_NDJSON;

/**
 * Writes one reading of the meter (its bytes from exportMeterBytes) as a line of the format. With
 * usageText, the value is written as those bytes instead of String(reading.usage): the writer of
 * the stored rows passes PostgreSQL's text of the value where it is exactly that.
 */
export type ExportLineWriter = (out: TextSink, meterBytes: Uint8Array, reading: ReadingFields, usageText?: ByteRange) => void;

/** bytes[start … end): text held in a larger buffer (a row of a COPY). */
export interface ByteRange {
  bytes: Uint8Array;
  start: number;
  end: number;
}

/** ExportReadingsResponse.lines: field 4, length-delimited. */
const LINES_KEY = (4 << 3) | 2;

const COMMA = 44;
const NEWLINE = 10;
const QUOTE = 34;

/**
 * The meter as it stands in every line, as bytes: a bare token in CSV (letters, digits and . _ : -,
 * never quoted), a JSON string in NDJSON.
 */
export function exportMeterBytes(meterId: string, format: ExportLineFormat): Buffer {
  return Buffer.from(format === ExportFormat.EXPORT_FORMAT_CSV ? meterId : JSON.stringify(meterId), 'utf8');
}

export function exportLineWriter(format: ExportLineFormat): ExportLineWriter {
  return format === ExportFormat.EXPORT_FORMAT_CSV ? writeCsvLine : writeNdjsonLine;
}

/**
 * The bytes ExportReadingsResponse.encode makes of { meterId, unit, lines } with lines the parts end
 * to end: written with one copy of the lines instead of a join and then the encoder's copy.
 */
export function encodeExportLines(meterId: string, unit: string, lines: readonly Uint8Array[]): Buffer {
  const header = ExportReadingsResponse.encode({ meterId, unit, readings: [], lines: Buffer.alloc(0) }).finish();
  let length = header.length + 6;
  for (const part of lines) length += part.length;
  const message = new ProtoSink(length);
  message.raw(header);
  if (length > header.length + 6) message.bytesField(LINES_KEY, lines); // proto3 leaves an empty field out
  return message.bytes();
}

/** A CSV line: the meter, three RFC 3339 times (empty when absent), the value (empty when missing), the quality. */
function writeCsvLine(out: TextSink, meterBytes: Uint8Array, reading: ReadingFields, usageText?: ByteRange): void {
  out.bytes(meterBytes);
  writeCsvTime(out, reading.timeMs);
  writeCsvTime(out, reading.startMs);
  writeCsvTime(out, reading.endMs);
  out.byte(COMMA);
  if (usageText !== undefined) out.byteRange(usageText.bytes, usageText.start, usageText.end);
  else if (reading.usage !== undefined) out.number(reading.usage);
  out.byte(COMMA);
  out.ascii(qualityName(reading.quality));
  out.byte(NEWLINE);
}

function writeCsvTime(out: TextSink, ms: number | undefined): void {
  out.byte(COMMA);
  if (ms !== undefined) out.isoSeconds(ms);
}

/** An NDJSON line: the text of JSON.stringify({ meterId, time, start, end, usage, missing, quality, uploadId }). */
function writeNdjsonLine(out: TextSink, meterBytes: Uint8Array, reading: ReadingFields, usageText?: ByteRange): void {
  out.ascii('{"meterId":');
  out.bytes(meterBytes);
  writeTimeField(out, ',"time":"', reading.timeMs);
  writeTimeField(out, ',"start":"', reading.startMs);
  writeTimeField(out, ',"end":"', reading.endMs);
  if (usageText === undefined) writeNumberField(out, ',"usage":', reading.usage);
  else {
    out.ascii(',"usage":');
    out.byteRange(usageText.bytes, usageText.start, usageText.end);
  }
  out.ascii(reading.missing ? ',"missing":true,"quality":"' : ',"missing":false,"quality":"');
  out.ascii(qualityName(reading.quality));
  out.byte(QUOTE);
  if (reading.uploadId !== '') {
    out.ascii(',"uploadId":');
    out.ascii(JSON.stringify(reading.uploadId));
  }
  out.ascii('}\n');
}
