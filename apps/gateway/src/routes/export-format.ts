import type { ExportReadingsResponse, Reading } from '@meterusage/contracts';
import { readingQualityToJSON } from '@meterusage/contracts';
import { toIsoSeconds, toReadingJson } from './json-mapping';

export type ExportFormat = 'csv' | 'ndjson';

/**
 * CSV keeps the seed's column names (time, meterusage) so an export can be loaded again; start and
 * end make each interval explicit; a missing value is an empty meterusage field.
 */
export const CSV_HEADER = 'meter_id,time,start,end,meterusage,quality\n';

/** One export batch as text: CSV rows or one JSON object per line. */
export function formatBatch(message: ExportReadingsResponse, format: ExportFormat): string {
  let text = '';
  if (format === 'csv') {
    for (const reading of message.readings) text += csvLine(message.meterId, reading);
  } else {
    for (const reading of message.readings) text += `${JSON.stringify({ meterId: message.meterId, ...toReadingJson(reading) })}\n`;
  }
  return text;
}

function csvLine(meterId: string, reading: Reading): string {
  // meterId is a token of letters, digits and . _ : - (never needs quoting); the rest are ISO times and numbers.
  const usage = reading.usage === undefined ? '' : String(reading.usage);
  return `${meterId},${toIsoSeconds(reading.time)},${toIsoSeconds(reading.start)},${toIsoSeconds(reading.end)},${usage},${readingQualityToJSON(reading.quality)}\n`;
}
