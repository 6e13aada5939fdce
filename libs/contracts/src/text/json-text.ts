// Pieces of JSON text both apps write into a TextSink: the gateway's JSON answers and the NDJSON
// export lines grpc-server writes.
import { readingQualityToJSON } from '../gen/meterusage/v1/reading';
import type { TextSink } from './text-sink';

const QUOTE = 34;

/** A JSON number (String(value)), null where JSON has none. */
export function writeJsonNumber(out: TextSink, value: number): void {
  if (Number.isFinite(value)) out.number(value);
  else out.ascii('null');
}

/** keyText (such as ',"time":"') then the time, its closing quote and after; nothing when absent. */
export function writeTimeField(out: TextSink, keyText: string, ms: number | undefined, after = ''): void {
  if (ms === undefined) return;
  out.ascii(keyText);
  out.isoSeconds(ms);
  out.byte(QUOTE);
  if (after !== '') out.ascii(after);
}

/** keyText (such as ',"usage":') then the value as a JSON number; nothing when absent. */
export function writeNumberField(out: TextSink, keyText: string, value: number | undefined): void {
  if (value === undefined) return;
  out.ascii(keyText);
  writeJsonNumber(out, value);
}

// ReadingQuality's names, looked up once per value rather than through the generated function for
// every reading of a large answer.
const QUALITY_NAMES = new Map<number, string>();

/** readingQualityToJSON, remembered. */
export function qualityName(quality: number): string {
  let name = QUALITY_NAMES.get(quality);
  if (name === undefined) QUALITY_NAMES.set(quality, (name = readingQualityToJSON(quality)));
  return name;
}
