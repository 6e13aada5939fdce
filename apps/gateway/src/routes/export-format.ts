import { decodeReadingsInSlices, ExportReadingsResponse, type ReadingFields } from '@meterusage/contracts';
import { isoSecondsOrEmpty, qualityName } from './json-mapping';

export type ExportFormat = 'csv' | 'ndjson';

/**
 * CSV keeps the seed's column names (time, meterusage) so an export can be loaded again; start and
 * end make each interval explicit; a missing value is an empty meterusage field.
 */
export const CSV_HEADER = 'meter_id,time,start,end,meterusage,quality\n';

/** One ExportReadingsResponse (its encoded bytes) as the download's lines, with the meter it names. */
export async function exportBatchText(bytes: Uint8Array, format: ExportFormat): Promise<{ meterId: string; text: string }> {
  const readings: ReadingFields[] = [];
  const { meterId } = await decodeReadingsInSlices(ExportReadingsResponse, bytes, (reading) => readings.push(reading));
  // The meter as it stands in every line: a bare token in CSV (letters, digits and . _ : -, never
  // quoted), a JSON string in NDJSON.
  const meterText = format === 'csv' ? meterId : JSON.stringify(meterId);
  let text = '';
  for (const reading of readings) text += exportLine(format, meterText, reading);
  return { meterId, text };
}

/**
 * One line of the download, written straight from the wire's numbers. CSV: the rest are ISO times
 * and numbers. NDJSON: the text of JSON.stringify({ meterId, ...toReadingJson(reading) }).
 */
export function exportLine(format: ExportFormat, meterText: string, reading: ReadingFields): string {
  const time = isoSecondsOrEmpty(reading.timeMs);
  const start = isoSecondsOrEmpty(reading.startMs);
  const end = isoSecondsOrEmpty(reading.endMs);
  const quality = qualityName(reading.quality);
  if (format === 'csv') return `${meterText},${time},${start},${end},${reading.usage === undefined ? '' : String(reading.usage)},${quality}\n`;
  let text = `{"meterId":${meterText}`;
  if (reading.timeMs !== undefined) text += `,"time":"${time}"`;
  if (reading.startMs !== undefined) text += `,"start":"${start}"`;
  if (reading.endMs !== undefined) text += `,"end":"${end}"`;
  if (reading.usage !== undefined) text += `,"usage":${Number.isFinite(reading.usage) ? String(reading.usage) : 'null'}`;
  return `${text},"missing":${reading.missing},"quality":"${quality}"}\n`;
}
