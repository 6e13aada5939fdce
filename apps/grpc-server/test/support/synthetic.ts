import type { ReadingRow } from '../../src/readings/readings.writer';

const QUARTER_MS = 900_000;

/**
 * Quarter-hour readings from startIso (inclusive) to endIso (exclusive) with values that differ
 * per interval; `missing` intervals get a NaN (null) and `holes` get no row at all.
 */
export function quarterHours(
  startIso: string,
  endIso: string,
  options: { missing?: string[]; holes?: string[] } = {},
): ReadingRow[] {
  const missing = new Set((options.missing ?? []).map((iso) => Date.parse(iso)));
  const holes = new Set((options.holes ?? []).map((iso) => Date.parse(iso)));
  const rows: ReadingRow[] = [];
  for (let ms = Date.parse(startIso); ms < Date.parse(endIso); ms += QUARTER_MS) {
    if (holes.has(ms)) continue;
    const index = ms / QUARTER_MS;
    rows.push({ intervalStartMs: ms, usage: missing.has(ms) ? null : ((index % 97) * 0.25 + 1).toFixed(2) });
  }
  return rows;
}
