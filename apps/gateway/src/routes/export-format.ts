import { decodeReadingsInSlices, ExportReadingsResponse, type ReadingFields } from '@meterusage/contracts';
import { qualityName, writeNumberField, writeTimeField } from './json-mapping';
import { TextSink } from './text-sink';

export type ExportFormat = 'csv' | 'ndjson';

/**
 * CSV keeps the seed's column names (time, meterusage) so an export can be loaded again; start and
 * end make each interval explicit; a missing value is an empty meterusage field.
 */
export const CSV_HEADER = 'meter_id,time,start,end,meterusage,quality\n';

const COMMA = 44;
const NEWLINE = 10;

/** One ExportReadingsResponse (its encoded bytes) as the download's lines (UTF-8), with the meter it names. */
export async function exportBatchBytes(bytes: Uint8Array, format: ExportFormat): Promise<{ meterId: string; lines: Buffer }> {
  const readings: ReadingFields[] = [];
  const { meterId } = await decodeReadingsInSlices(ExportReadingsResponse, bytes, (reading) => readings.push(reading));
  // The meter as it stands in every line: a bare token in CSV (letters, digits and . _ : -, never
  // quoted), a JSON string in NDJSON.
  const meterBytes = Buffer.from(format === 'csv' ? meterId : JSON.stringify(meterId), 'utf8');
  const writeLine = format === 'csv' ? writeCsvLine : writeNdjsonLine;
  const out = new TextSink();
  for (const reading of readings) writeLine(out, meterBytes, reading);
  return { meterId, lines: Buffer.concat(out.finish()) };
}

/** A CSV line: the meter, three RFC 3339 times (empty when absent), the value (empty when missing), the quality. */
function writeCsvLine(out: TextSink, meterBytes: Uint8Array, reading: ReadingFields): void {
  out.bytes(meterBytes);
  writeCsvTime(out, reading.timeMs);
  writeCsvTime(out, reading.startMs);
  writeCsvTime(out, reading.endMs);
  out.byte(COMMA);
  if (reading.usage !== undefined) out.number(reading.usage);
  out.byte(COMMA);
  out.ascii(qualityName(reading.quality));
  out.byte(NEWLINE);
}

function writeCsvTime(out: TextSink, ms: number | undefined): void {
  out.byte(COMMA);
  if (ms !== undefined) out.isoSeconds(ms);
}

/** An NDJSON line: the text of JSON.stringify({ meterId, ...toReadingJson(reading) }). */
function writeNdjsonLine(out: TextSink, meterBytes: Uint8Array, reading: ReadingFields): void {
  out.ascii('{"meterId":');
  out.bytes(meterBytes);
  writeTimeField(out, ',"time":"', reading.timeMs);
  writeTimeField(out, ',"start":"', reading.startMs);
  writeTimeField(out, ',"end":"', reading.endMs);
  writeNumberField(out, ',"usage":', reading.usage);
  out.ascii(reading.missing ? ',"missing":true,"quality":"' : ',"missing":false,"quality":"');
  out.ascii(qualityName(reading.quality));
  out.byte(34); // "
  if (reading.uploadId !== '') {
    out.ascii(',"uploadId":');
    out.ascii(JSON.stringify(reading.uploadId));
  }
  out.ascii('}\n');
}
