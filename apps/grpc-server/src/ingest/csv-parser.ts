import Papa from 'papaparse';
import type { TimeLabel } from '../db/schema';
import { localTimeResolver, type LocalTimeResolution } from '@meterusage/time';

/** One accepted CSV row. */
export interface ParsedReading {
  /** 1-based line of the row in the file. */
  line: number;
  /** Start of the interval the row measures, as epoch milliseconds. */
  intervalStartMs: number;
  /** The usage exactly as written (a non-negative decimal), or null for a missing reading. */
  usage: string | null;
}

/** Why one row was rejected: the line, the column and a reason a person can act on. */
export interface RowError {
  line: number;
  field: 'time' | 'meterusage' | 'row' | 'header' | 'file';
  reason: string;
}

export interface CsvParseOptions {
  /** IANA zone of timestamps written without an offset. */
  timeZone: string;
  /** Length of one interval in seconds; every timestamp must sit on this grid. */
  intervalSeconds: number;
  /** Whether the timestamp in the file names the start or the end of its interval. */
  timeLabel: TimeLabel;
}

export interface CsvParseResult {
  readings: ParsedReading[];
  errors: RowError[];
}

export const TIME_COLUMN = 'time';
export const USAGE_COLUMN = 'meterusage';

// YYYY-MM-DD, then 'T' or a space, then HH:MM[:SS[.fraction]], then an optional Z or ±HH:MM offset.
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const MISSING_VALUES = new Set(['', 'nan']);

/**
 * Parses a meter-usage CSV (header `time,meterusage`) into readings, validating every row.
 * Rows are never silently dropped: each rejected row yields a RowError with its line number.
 */
export function parseReadingsCsv(text: string, options: CsvParseOptions): CsvParseResult {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (body.trim() === '') return { readings: [], errors: [{ line: 1, field: 'file', reason: 'the file is empty' }] };

  const state = new ParseState(body, options);
  Papa.parse<string[]>(body, { delimiter: ',', step: (row) => state.acceptRow(row) });
  return { readings: state.readings, errors: state.errors };
}

class ParseState {
  readonly readings: ParsedReading[] = [];
  readonly errors: RowError[] = [];
  private columns: { time: number; usage: number; count: number } | undefined;
  private headerSeen = false;
  private previousCursor: number | undefined;
  private newlinesCounted = 0;
  private countedUpTo = 0;
  private readonly firstLineOfTime = new Map<number, number>();
  private readonly resolveLocal: (wallClockMs: number) => LocalTimeResolution;
  private readonly intervalMs: number;

  constructor(
    private readonly text: string,
    private readonly options: CsvParseOptions,
  ) {
    this.resolveLocal = localTimeResolver(options.timeZone);
    this.intervalMs = options.intervalSeconds * 1000;
  }

  acceptRow(row: Papa.ParseStepResult<string[]>): void {
    const line = this.lineOfRowEndingAt(row.meta.cursor);
    const fields = row.data;
    if (row.errors.length > 0) {
      this.reject(line, 'row', `malformed CSV: ${row.errors.map((error) => error.message).join('; ')}`);
      return;
    }
    if (fields.length === 1 && fields[0]!.trim() === '') return; // blank line
    if (!this.headerSeen) {
      this.headerSeen = true;
      this.readHeader(line, fields);
      return;
    }
    if (this.columns === undefined) return; // header already rejected; one error says it all
    if (fields.length !== this.columns.count) {
      this.reject(line, 'row', `expected ${this.columns.count} fields, found ${fields.length}`);
      return;
    }
    const intervalStartMs = this.parseTime(line, fields[this.columns.time]!.trim());
    const usage = this.parseUsage(line, fields[this.columns.usage]!.trim());
    if (intervalStartMs === undefined || usage === undefined) return;

    const earlierLine = this.firstLineOfTime.get(intervalStartMs);
    if (earlierLine !== undefined) {
      this.reject(line, 'time', `duplicate time: line ${earlierLine} already has a reading for this interval`);
      return;
    }
    this.firstLineOfTime.set(intervalStartMs, line);
    this.readings.push({ line, intervalStartMs, usage });
  }

  private readHeader(line: number, fields: string[]): void {
    const names = fields.map((field) => field.trim().toLowerCase());
    const time = names.indexOf(TIME_COLUMN);
    const usage = names.indexOf(USAGE_COLUMN);
    if (time < 0 || usage < 0) {
      const found = fields.join(',').slice(0, 80);
      this.reject(line, 'header', `missing header: expected columns "${TIME_COLUMN},${USAGE_COLUMN}", found "${found}"`);
      return;
    }
    this.columns = { time, usage, count: names.length };
  }

  private parseTime(line: number, raw: string): number | undefined {
    const match = TIMESTAMP.exec(raw);
    if (match === null) {
      this.reject(line, 'time', `unparseable time "${clip(raw)}": expected "YYYY-MM-DD HH:MM:SS" or RFC 3339`);
      return undefined;
    }
    const [, year, month, day, hour, minute, second = '0', fraction = '', offset] = match;
    const wallClockMs = Date.UTC(+year!, +month! - 1, +day!, +hour!, +minute!, +second, Number(fraction.padEnd(3, '0').slice(0, 3)));
    const check = new Date(wallClockMs);
    const fieldsValid =
      check.getUTCFullYear() === +year! &&
      check.getUTCMonth() === +month! - 1 &&
      check.getUTCDate() === +day! &&
      check.getUTCHours() === +hour! &&
      check.getUTCMinutes() === +minute! &&
      +second < 60;
    if (!fieldsValid) {
      this.reject(line, 'time', `invalid date or time "${clip(raw)}"`);
      return undefined;
    }

    let labelMs: number;
    if (offset !== undefined) {
      labelMs = wallClockMs - offsetMilliseconds(offset);
    } else {
      const resolution = this.resolveLocal(wallClockMs);
      if (resolution.kind === 'gap') {
        this.reject(line, 'time', `local time "${raw}" does not exist in ${this.options.timeZone} (skipped by a DST change)`);
        return undefined;
      }
      if (resolution.kind === 'ambiguous') {
        this.reject(
          line,
          'time',
          `local time "${raw}" is ambiguous in ${this.options.timeZone} (repeated by a DST change); write it with a UTC offset`,
        );
        return undefined;
      }
      labelMs = resolution.utcMs;
    }
    if (labelMs % this.intervalMs !== 0) {
      this.reject(line, 'time', `time "${raw}" is not on the ${this.options.intervalSeconds / 60}-minute grid`);
      return undefined;
    }
    return this.options.timeLabel === 'end' ? labelMs - this.intervalMs : labelMs;
  }

  private parseUsage(line: number, raw: string): string | null | undefined {
    if (MISSING_VALUES.has(raw.toLowerCase())) return null;
    if (!DECIMAL.test(raw)) {
      this.reject(line, 'meterusage', `"${clip(raw)}" is not a number (a missing reading is written NaN or left empty)`);
      return undefined;
    }
    if (Number(raw) < 0) {
      this.reject(line, 'meterusage', `usage ${raw} is negative`);
      return undefined;
    }
    return raw;
  }

  private reject(line: number, field: RowError['field'], reason: string): void {
    this.errors.push({ line, field, reason });
  }

  /**
   * Papa's cursor after a row points past its line break, i.e. at the start of the next row; so
   * a row's line is 1 + the line breaks before the previous cursor (quoted line breaks included).
   */
  private lineOfRowEndingAt(cursor: number): number {
    const previous = this.previousCursor;
    this.previousCursor = cursor;
    if (previous === undefined) return 1;
    for (let index = this.countedUpTo; index < previous; index++) {
      if (this.text.charCodeAt(index) === 10) this.newlinesCounted++;
    }
    this.countedUpTo = previous;
    return this.newlinesCounted + 1;
  }
}

function offsetMilliseconds(offset: string): number {
  if (offset.toUpperCase() === 'Z') return 0;
  const sign = offset.startsWith('-') ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
}

function clip(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}
