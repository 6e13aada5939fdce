import { METER_ID_PATTERN } from '@meterusage/config';
import { localTimeResolver, type LocalTimeResolution } from '@meterusage/time';
import type { TimeLabel } from '../db/schema';
import type { CsvRecord } from './csv-row-reader';
import type { RowError } from './row-error';

/** An accepted row: its line, meter, interval start (epoch ms) and the value as written (null = missing). */
export interface ValidReading {
  line: number;
  meterId: string;
  startMs: number;
  usage: string | null;
}

export interface MeterTiming {
  intervalSeconds: number;
  timeLabel: TimeLabel;
}

export interface ValidatorOptions {
  /** Meter of rows in files without a meter_id column. */
  meterId: string;
  /** IANA zone of timestamps written without an offset. */
  timeZone: string;
  /** Interval length and label convention of a meter (existing settings, or what a new one gets). */
  timingOf: (meterId: string) => MeterTiming;
}

// YYYY-MM-DD, then 'T' or a space, then HH:MM[:SS[.fraction]], then an optional Z or ±HH:MM offset.
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const DECIMAL = /^[+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const NEGATIVE = /^-(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const MISSING_VALUES = new Set(['', 'nan']);
const REQUIRED_COLUMNS = ['time', 'meterusage'] as const;
// Columns our own CSV export writes besides the ones read here: accepted and ignored.
const IGNORED_COLUMNS = new Set(['start', 'end', 'quality', 'unit']);

interface Columns {
  time: number;
  usage: number;
  meterId: number | undefined;
  count: number;
}

/**
 * Validates CSV records one by one into readings or row errors. Knows the header (detected:
 * a first row whose first field is a timestamp means a header-less time,meterusage file), the
 * time zone with its DST rules, each meter's grid, and whether the file is in time order per
 * meter (a file that is cannot hold duplicate times, so the duplicate check can be skipped).
 *
 * DST rule: a wall-clock time that happens twice (autumn) is the earliest of its two instants
 * that comes after the previous row of the same meter, so a file in time order resolves the
 * repeated hour correctly; if neither instant comes after it, the row is rejected as ambiguous.
 * A wall-clock time that does not exist (spring) is rejected.
 */
export class ReadingValidator {
  private columns: Columns | undefined;
  private headerRejected = false;
  private sawRecord = false;
  private readonly resolveLocal: (wallClockMs: number) => LocalTimeResolution;
  private readonly previousLabelByMeter = new Map<string, number>();
  private readonly previousStartByMeter = new Map<string, number>();
  /** True while every meter's rows came in strictly increasing time. */
  inTimeOrder = true;
  /** Records after the header (blank lines excluded). */
  dataRows = 0;
  /** Earliest and latest accepted interval start (epoch ms); ±Infinity while none is accepted. */
  firstStartMs = Infinity;
  lastStartMs = -Infinity;
  /** End of the latest accepted interval (epoch ms). */
  lastEndMs = -Infinity;

  constructor(private readonly options: ValidatorOptions) {
    this.resolveLocal = localTimeResolver(options.timeZone);
  }

  /** The reading of a record, a RowError, or undefined for a header or blank line. */
  accept(record: CsvRecord): ValidReading | RowError | undefined {
    if ('error' in record) {
      if (this.columns !== undefined) this.dataRows += 1;
      return { line: record.line, field: 'row', reason: record.error };
    }
    const fields = record.fields;
    if (fields.length === 1 && fields[0]!.trim() === '') return undefined;
    if (!this.sawRecord) {
      this.sawRecord = true;
      const header = this.readHeader(record.line, fields);
      if (header !== 'data') return header;
    }
    if (this.headerRejected) return undefined;
    this.dataRows += 1;
    return this.readRow(record.line, fields, this.columns!);
  }

  /** Problems of the file as a whole, known once it has ended. */
  finish(): RowError[] {
    if (!this.sawRecord) return [{ line: 1, field: 'file', reason: 'the file is empty' }];
    if (!this.headerRejected && this.dataRows === 0) return [{ line: 2, field: 'file', reason: 'the file has a header but no readings' }];
    return [];
  }

  private readHeader(line: number, fields: string[]): RowError | 'data' | undefined {
    const names = fields.map((field) => field.trim().toLowerCase());
    if (!names.includes('time')) {
      if (fields.length === 2 && TIMESTAMP.test(fields[0]!.trim())) {
        this.columns = { time: 0, usage: 1, meterId: undefined, count: 2 };
        return 'data';
      }
      this.headerRejected = true;
      return { line, field: 'header', reason: `missing header: expected columns "time,meterusage" (optionally meter_id), found "${clip(fields.join(','))}"` };
    }
    const unknown = names.filter((name) => !REQUIRED_COLUMNS.includes(name as (typeof REQUIRED_COLUMNS)[number]) && name !== 'meter_id' && !IGNORED_COLUMNS.has(name));
    const missing = REQUIRED_COLUMNS.filter((name) => !names.includes(name));
    const repeated = names.filter((name, index) => names.indexOf(name) !== index);
    if (unknown.length > 0 || missing.length > 0 || repeated.length > 0) {
      this.headerRejected = true;
      const problems = [
        ...missing.map((name) => `no "${name}" column`),
        ...unknown.map((name) => `unknown column "${clip(name)}"`),
        ...repeated.map((name) => `column "${clip(name)}" appears twice`),
      ];
      return { line, field: 'header', reason: `${problems.join(', ')}: expected time, meterusage and optionally meter_id` };
    }
    const meterColumn = names.indexOf('meter_id');
    this.columns = { time: names.indexOf('time'), usage: names.indexOf('meterusage'), meterId: meterColumn < 0 ? undefined : meterColumn, count: names.length };
    return undefined;
  }

  private readRow(line: number, fields: string[], columns: Columns): ValidReading | RowError {
    if (fields.length !== columns.count) return { line, field: 'row', reason: `expected ${columns.count} fields, found ${fields.length}` };
    for (const field of fields) {
      if (field.includes('\u0000') || field.includes('\uFFFD')) return { line, field: 'row', reason: 'binary data: the file is not UTF-8 text' };
    }
    const meterId = columns.meterId === undefined ? this.options.meterId : fields[columns.meterId]!.trim();
    if (!METER_ID_PATTERN.test(meterId)) {
      return { line, field: 'meter_id', reason: `"${clip(meterId)}" is not a meter id (1 to 64 letters, digits, '.', '_', ':' or '-')` };
    }
    const timing = this.options.timingOf(meterId);
    const start = this.parseTime(line, fields[columns.time]!.trim(), meterId, timing);
    if (typeof start !== 'number') return start;
    const usage = parseUsage(line, fields[columns.usage]!.trim());
    if (typeof usage === 'object' && usage !== null) return usage;

    const previous = this.previousStartByMeter.get(meterId);
    if (previous !== undefined && start <= previous) this.inTimeOrder = false;
    this.previousStartByMeter.set(meterId, start);
    if (start < this.firstStartMs) this.firstStartMs = start;
    if (start > this.lastStartMs) this.lastStartMs = start;
    this.lastEndMs = Math.max(this.lastEndMs, start + timing.intervalSeconds * 1000);
    return { line, meterId, startMs: start, usage };
  }

  private parseTime(line: number, raw: string, meterId: string, timing: MeterTiming): number | RowError {
    const match = TIMESTAMP.exec(raw);
    if (match === null) return { line, field: 'time', reason: `unparseable time "${clip(raw)}": expected "YYYY-MM-DD HH:MM:SS" or RFC 3339` };
    const [, year, month, day, hour, minute, second = '0', fraction = '', offset] = match;
    const wallClockMs = Date.UTC(+year!, +month! - 1, +day!, +hour!, +minute!, +second, Number(fraction.padEnd(3, '0').slice(0, 3)));
    const check = new Date(wallClockMs);
    if (
      check.getUTCFullYear() !== +year! ||
      check.getUTCMonth() !== +month! - 1 ||
      check.getUTCDate() !== +day! ||
      check.getUTCHours() !== +hour! ||
      check.getUTCMinutes() !== +minute! ||
      +second > 59
    ) {
      return { line, field: 'time', reason: `invalid date or time "${clip(raw)}"` };
    }

    let labelMs: number;
    if (offset !== undefined) {
      const offsetMs = offsetMilliseconds(offset);
      if (offsetMs === undefined) return { line, field: 'time', reason: `invalid UTC offset in "${clip(raw)}"` };
      labelMs = wallClockMs - offsetMs;
    } else {
      const resolution = this.resolveLocal(wallClockMs);
      if (resolution.kind === 'gap') {
        return { line, field: 'time', reason: `local time "${raw}" does not exist in ${this.options.timeZone} (skipped by a DST change)` };
      }
      if (resolution.kind === 'ambiguous') {
        const previous = this.previousLabelByMeter.get(meterId) ?? -Infinity;
        const chosen = [resolution.earlierUtcMs, resolution.laterUtcMs].find((candidate) => candidate > previous);
        if (chosen === undefined) {
          return {
            line,
            field: 'time',
            reason: `local time "${raw}" is ambiguous in ${this.options.timeZone} (repeated by a DST change) and out of order; write it with a UTC offset`,
          };
        }
        labelMs = chosen;
      } else {
        labelMs = resolution.utcMs;
      }
    }
    const intervalMs = timing.intervalSeconds * 1000;
    if (labelMs % intervalMs !== 0) {
      return { line, field: 'time', reason: `time "${clip(raw)}" is not on the ${describeInterval(timing.intervalSeconds)} grid` };
    }
    this.previousLabelByMeter.set(meterId, labelMs);
    return timing.timeLabel === 'end' ? labelMs - intervalMs : labelMs;
  }
}

function parseUsage(line: number, raw: string): string | null | RowError {
  if (MISSING_VALUES.has(raw.toLowerCase())) return null;
  if (DECIMAL.test(raw)) return raw.startsWith('+') ? raw.slice(1) : raw;
  if (NEGATIVE.test(raw)) return { line, field: 'meterusage', reason: `usage ${raw} is negative` };
  return { line, field: 'meterusage', reason: `"${clip(raw)}" is not a number (a missing reading is written NaN or left empty)` };
}

function offsetMilliseconds(offset: string): number | undefined {
  if (offset.toUpperCase() === 'Z') return 0;
  const sign = offset.startsWith('-') ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4));
  if (hours > 23 || minutes > 59) return undefined;
  return sign * (hours * 60 + minutes) * 60_000;
}

function describeInterval(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60}-minute` : `${seconds}-second`;
}

function clip(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}
