import { CsvRowReader, type CsvRecord } from './csv-row-reader';

/** Text parsed at a time. */
const PARSE_SLICE_CHARS = 64 * 1024;

/**
 * The records of CSV bytes arriving in chunks (UTF-8, decoded across chunk boundaries), a batch
 * per slice of text: each slice's records die young (a 1 MB message at once is ~40k records that
 * outlive a scavenge and get promoted: half the parse time went to GC). The last batch holds the
 * rest of the file, and may be empty.
 */
export async function* csvRecordBatches(source: AsyncIterable<Uint8Array | string>): AsyncGenerator<CsvRecord[]> {
  const reader = new CsvRowReader();
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of source) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    for (let at = 0; at < text.length; at += PARSE_SLICE_CHARS) yield reader.push(text.slice(at, at + PARSE_SLICE_CHARS));
  }
  yield [...reader.push(decoder.decode()), ...reader.end()];
}
