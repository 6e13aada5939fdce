// Synthetic CSV files in the seed's format: a `time,meterusage` header, naive UTC times
// `YYYY-MM-DD HH:MM:SS` on the 15-minute grid labelled by interval end (the first row is 00:15:00,
// as in meterusage.csv), values with two decimals and a NaN (missing reading) every 997 rows.
import { closeSync, openSync, writeSync } from 'node:fs';

const QUARTER_HOUR_MS = 900_000;
const DAY_MS = 86_400_000;
const SLOTS_PER_DAY = DAY_MS / QUARTER_HOUR_MS;
const MISSING_EVERY = 997;
const ROWS_PER_WRITE = 32_768;
/** Every file starts here; 10M quarter-hours reach into 2285, well inside what both sides accept. */
const FIRST_LABEL_MS = Date.UTC(2000, 0, 1, 0, 15);

// " HH:MM:SS," of each quarter-hour of a day, and 1,000 values from 0.05 to 10.04 kWh.
const SLOT_TEXT = Array.from({ length: SLOTS_PER_DAY }, (_, slot) => {
  const minutes = slot * 15;
  return ` ${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}:00,`;
});
const VALUE_TEXT = Array.from({ length: 1000 }, (_, index) => (0.05 + index / 100).toFixed(2));

export interface SyntheticCsv {
  path: string;
  rows: number;
  /** Rows written as NaN. */
  missing: number;
  bytes: number;
  /** First and last time label as written. */
  firstTime: string;
  lastTime: string;
  /** Time it took to write, in ms. */
  writeMs: number;
}

/**
 * Writes `rows` readings of one meter to `path` (the times of a day are formatted once, not per
 * row). A non-zero valueShift writes other values at the same times (and NaN at the same rows): a
 * correction of every present value of the file with shift 0.
 */
export function writeSyntheticCsv(path: string, rows: number, valueShift = 0): SyntheticCsv {
  const startedAt = performance.now();
  const fd = openSync(path, 'w');
  let bytes = writeSync(fd, 'time,meterusage\n');
  let day = Math.floor(FIRST_LABEL_MS / DAY_MS);
  let slot = (FIRST_LABEL_MS % DAY_MS) / QUARTER_HOUR_MS;
  let date = new Date(day * DAY_MS).toISOString().slice(0, 10);
  let missing = 0;
  let firstTime = '';
  let lastTime = '';
  try {
    for (let written = 0; written < rows;) {
      let text = '';
      const end = Math.min(rows, written + ROWS_PER_WRITE);
      for (let row = written; row < end; row += 1) {
        let value: string;
        if (row % MISSING_EVERY === MISSING_EVERY - 1) {
          value = 'NaN';
          missing += 1;
        } else {
          value = VALUE_TEXT[(row * 7919 + Math.floor(row / 97) * 31 + valueShift) % 1000]!;
        }
        text += `${date}${SLOT_TEXT[slot]}${value}\n`;
        if (row === 0) firstTime = `${date}${SLOT_TEXT[slot]!.slice(0, -1)}`;
        if (row === rows - 1) lastTime = `${date}${SLOT_TEXT[slot]!.slice(0, -1)}`;
        slot += 1;
        if (slot === SLOTS_PER_DAY) {
          slot = 0;
          day += 1;
          date = new Date(day * DAY_MS).toISOString().slice(0, 10);
        }
      }
      bytes += writeSync(fd, text);
      written = end;
    }
  } finally {
    closeSync(fd);
  }
  return { path, rows, missing, bytes, firstTime, lastTime, writeMs: performance.now() - startedAt };
}
