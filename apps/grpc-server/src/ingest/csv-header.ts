import { parseTimestamp } from '@meterusage/time';
import { clip } from './clip';
import type { RowError } from './row-error';

// The header of an upload's CSV: which column holds what. Pure.

/** Where each field of a data row is, and how many fields a row has. */
export interface Columns {
  time: number;
  usage: number;
  /** The meter_id column; undefined in a file without one. */
  meterId: number | undefined;
  /** The quality column (reading-quality.ts); undefined in a file without one (all actual). */
  quality: number | undefined;
  count: number;
}

const REQUIRED_COLUMNS = ['time', 'meterusage'] as const;
// Columns our own CSV export writes besides the ones read here: accepted and ignored.
const IGNORED_COLUMNS = new Set(['start', 'end', 'unit']);
/** A header-less time,meterusage file: its first row is already data. */
const HEADERLESS: Columns = Object.freeze({ time: 0, usage: 1, meterId: undefined, quality: undefined, count: 2 });

/**
 * The columns a file's first record names: `{ columns, firstRowIsData }` (a first row whose first
 * of two fields is a timestamp means a header-less time,meterusage file), or the header's error.
 */
export function readHeader(line: number, fields: readonly string[]): { columns: Columns; firstRowIsData: boolean } | RowError {
  const names = fields.map((field) => field.trim().toLowerCase());
  if (!names.includes('time')) {
    if (fields.length === 2 && parseTimestamp(fields[0]!.trim()).kind !== 'unparseable') return { columns: HEADERLESS, firstRowIsData: true };
    return { line, field: 'header', reason: `missing header: expected columns "time,meterusage" (optionally meter_id), found "${clip(fields.join(','))}"` };
  }
  const unknown = names.filter(
    (name) => !REQUIRED_COLUMNS.includes(name as (typeof REQUIRED_COLUMNS)[number]) && name !== 'meter_id' && name !== 'quality' && !IGNORED_COLUMNS.has(name),
  );
  const missing = REQUIRED_COLUMNS.filter((name) => !names.includes(name));
  const repeated = names.filter((name, index) => names.indexOf(name) !== index);
  if (unknown.length > 0 || missing.length > 0 || repeated.length > 0) {
    const problems = [
      ...missing.map((name) => `no "${name}" column`),
      ...unknown.map((name) => `unknown column "${clip(name)}"`),
      ...repeated.map((name) => `column "${clip(name)}" appears twice`),
    ];
    return { line, field: 'header', reason: `${problems.join(', ')}: expected time, meterusage and optionally meter_id and quality` };
  }
  return {
    columns: {
      time: names.indexOf('time'),
      usage: names.indexOf('meterusage'),
      meterId: meterColumnOf(fields),
      quality: names.includes('quality') ? names.indexOf('quality') : undefined,
      count: names.length,
    },
    firstRowIsData: false,
  };
}

/** The meter_id column of a header row; undefined without one (or when the row is not a header). */
export function meterColumnOf(fields: readonly string[]): number | undefined {
  const names = fields.map((field) => field.trim().toLowerCase());
  const column = names.includes('time') ? names.indexOf('meter_id') : -1;
  return column < 0 ? undefined : column;
}
