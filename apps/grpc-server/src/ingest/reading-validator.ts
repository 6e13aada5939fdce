import { isMeterId, METER_ID_RULE, type TimeLabelName } from '@meterusage/meters';
import { localTimeResolver, type LocalTimeResolution } from '@meterusage/time';
import type { CsvRecord } from './csv-row-reader';
import type { RowError } from './row-error';
import { parseUsageValue } from './usage-value';

/** An accepted row: its line, meter, interval start (epoch ms) and the value as written (null = missing). */
export interface ValidReading {
  line: number;
  meterId: string;
  startMs: number;
  usage: string | null;
}

export interface MeterTiming {
  intervalSeconds: number;
  timeLabel: TimeLabelName;
}

export interface ValidatorOptions {
  /** The one meter the upload targets: a row whose meter_id column names another is rejected. Undefined: each row's meter_id column. */
  meterId: string | undefined;
  /** Meter of every row of a file without a meter_id column when meterId is undefined. */
  defaultMeterId: string;
  /** IANA zone of timestamps written without an offset. */
  timeZone: string;
  /** Interval length and label convention of a meter (existing settings, or what a new one gets). */
  timingOf: (meterId: string) => MeterTiming;
}

// YYYY-MM-DD, then 'T' or a space, then HH:MM[:SS[.fraction]], then an optional Z or ±HH:MM offset.
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const REQUIRED_COLUMNS = ['time', 'meterusage'] as const;
// Columns our own CSV export writes besides the ones read here: accepted and ignored.
const IGNORED_COLUMNS = new Set(['start', 'end', 'quality', 'unit']);

interface Columns {
  time: number;
  usage: number;
  meterId: number | undefined;
  count: number;
}

/** What the validator keeps per meter: looked up once per run of rows of the same meter. */
interface MeterState {
  meterId: string;
  timing: MeterTiming;
  intervalMs: number;
  /** Label (epoch ms) of the meter's previous row on the grid; -Infinity before the first. */
  previousLabelMs: number;
  /** Start of the meter's previous accepted row; -Infinity before the first. */
  previousStartMs: number;
  /** Span of the meter's accepted starts; ±Infinity while none. */
  firstStartMs: number;
  lastStartMs: number;
  /** Rows of the meter accepted and rejected so far. */
  accepted: number;
  rejected: number;
}

/** What the validator made of one meter's rows. */
export interface MeterRowCounts {
  meterId: string;
  accepted: number;
  rejected: number;
}

/** The accepted rows of one meter: the span of their interval starts (epoch ms). */
export interface MeterSpan {
  meterId: string;
  firstStartMs: number;
  lastStartMs: number;
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
  private readonly resolveLocal: ((wallClockMs: number) => LocalTimeResolution) | undefined;
  private readonly meters = new Map<string, MeterState>();
  /** The meter_id column as collectMeterIds read the header; undefined before it. */
  private peekedMeterColumn: number | 'none' | undefined;
  /** The state of the meter of the latest row: files hold long runs of one meter. */
  private current: MeterState | undefined;
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
    // Naive times in UTC are their own instants: no resolver call (and result object) per row.
    this.resolveLocal = options.timeZone === 'UTC' || options.timeZone === 'Etc/UTC' ? undefined : localTimeResolver(options.timeZone);
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

  /**
   * Adds to `into` the meter of each record that accept() may ask timingOf about (the target or
   * default meter, or the meter_id field), reading the header as accept() will: lets the caller
   * look up just these meters before handing the records to accept().
   */
  collectMeterIds(records: readonly CsvRecord[], into: Set<string>): void {
    const fixed = this.options.meterId ?? this.options.defaultMeterId;
    for (const record of records) {
      if ('error' in record || (record.fields.length === 1 && record.fields[0]!.trim() === '')) continue;
      if (this.peekedMeterColumn === undefined) {
        // The first record: the header (or the first data row of a header-less file).
        into.add(fixed);
        this.peekedMeterColumn = meterColumnOf(record.fields) ?? 'none';
        if (this.peekedMeterColumn !== 'none') continue;
      }
      if (this.peekedMeterColumn === 'none' || this.options.meterId !== undefined) return;
      const named = record.fields[this.peekedMeterColumn];
      if (named !== undefined) into.add(named.trim());
    }
  }

  /** Whether the file has a meter_id column (a multi-meter upload unless the upload names its meter). */
  get hasMeterColumn(): boolean {
    return this.columns?.meterId !== undefined;
  }

  /** Every meter a row was accepted or rejected for, with those counts, in meter order. */
  meterRowCounts(): MeterRowCounts[] {
    const counts: MeterRowCounts[] = [];
    for (const state of this.meters.values()) counts.push({ meterId: state.meterId, accepted: state.accepted, rejected: state.rejected });
    return counts.sort((a, b) => (a.meterId < b.meterId ? -1 : a.meterId > b.meterId ? 1 : 0));
  }

  /** Each meter with accepted rows and the span of their starts, in meter order. */
  meterSpans(): MeterSpan[] {
    const spans: MeterSpan[] = [];
    for (const state of this.meters.values()) {
      if (state.firstStartMs <= state.lastStartMs) spans.push({ meterId: state.meterId, firstStartMs: state.firstStartMs, lastStartMs: state.lastStartMs });
    }
    return spans.sort((a, b) => (a.meterId < b.meterId ? -1 : a.meterId > b.meterId ? 1 : 0));
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
    this.columns = { time: names.indexOf('time'), usage: names.indexOf('meterusage'), meterId: meterColumnOf(fields), count: names.length };
    return undefined;
  }

  private readRow(line: number, fields: string[], columns: Columns): ValidReading | RowError {
    const target = this.options.meterId;
    // Without a meter_id column every row is the target's (or the default meter's), rejected ones included.
    let meter = columns.meterId === undefined ? this.stateOf(target ?? this.options.defaultMeterId) : undefined;
    if (fields.length !== columns.count) return reject(meter, { line, field: 'row', reason: `expected ${columns.count} fields, found ${fields.length}` });
    for (let index = 0; index < fields.length; index += 1) {
      const field = fields[index]!;
      if (field.includes('\u0000') || field.includes('\uFFFD')) return reject(meter, { line, field: 'row', reason: 'binary data: the file is not UTF-8 text' });
    }
    if (columns.meterId !== undefined) {
      const named = fields[columns.meterId]!.trim();
      if (target !== undefined && named !== target) {
        return reject(this.stateOf(target), {
          line,
          field: 'meter_id',
          reason: `the row names meter "${clip(named)}" but the upload is for meter "${target}": drop the meter_id column or make it match`,
        });
      }
      meter = this.stateOf(named);
      if (meter === undefined) {
        return { line, field: 'meter_id', reason: `"${clip(named)}" is not a meter id (${METER_ID_RULE})` };
      }
    }
    const state = meter!;
    this.current = state;
    const start = this.parseTime(line, fields[columns.time]!.trim(), state);
    if (typeof start !== 'number') return reject(state, start);
    const value = parseUsageValue(fields[columns.usage]!.trim());
    if ('reason' in value) return reject(state, { line, field: 'meterusage', reason: value.reason });

    if (start <= state.previousStartMs) this.inTimeOrder = false;
    state.previousStartMs = start;
    if (start < state.firstStartMs) state.firstStartMs = start;
    if (start > state.lastStartMs) state.lastStartMs = start;
    if (start < this.firstStartMs) this.firstStartMs = start;
    if (start > this.lastStartMs) this.lastStartMs = start;
    if (start + state.intervalMs > this.lastEndMs) this.lastEndMs = start + state.intervalMs;
    state.accepted += 1;
    return { line, meterId: state.meterId, startMs: start, usage: value.usage };
  }

  /** The state of a meter (the latest row's without a lookup); undefined when meterId is not a meter id. */
  private stateOf(meterId: string): MeterState | undefined {
    return this.current !== undefined && this.current.meterId === meterId ? this.current : this.meterState(meterId);
  }

  /** The state of a meter, created on its first row; undefined when meterId is not a meter id. */
  private meterState(meterId: string): MeterState | undefined {
    const known = this.meters.get(meterId);
    if (known !== undefined) return known;
    if (!isMeterId(meterId)) return undefined;
    const timing = this.options.timingOf(meterId);
    const state: MeterState = {
      meterId,
      timing,
      intervalMs: timing.intervalSeconds * 1000,
      previousLabelMs: -Infinity,
      previousStartMs: -Infinity,
      firstStartMs: Infinity,
      lastStartMs: -Infinity,
      accepted: 0,
      rejected: 0,
    };
    this.meters.set(meterId, state);
    return state;
  }

  private parseTime(line: number, raw: string, meter: MeterState): number | RowError {
    // The common "YYYY-MM-DD HH:MM:SS" arithmetically; anything else (offsets, fractions, and
    // every invalid time, for its precise message) by the regular expression.
    let wallClockMs = plainWallClockMs(raw);
    let offset: string | undefined;
    if (Number.isNaN(wallClockMs)) {
      const parsed = parseTimestamp(line, raw);
      if ('reason' in parsed) return parsed;
      if (parsed.subMillisecond) return offGrid(line, raw, meter);
      ({ wallClockMs, offset } = parsed);
    }

    let labelMs: number;
    if (offset !== undefined) {
      const offsetMs = offsetMilliseconds(offset);
      if (offsetMs === undefined) return { line, field: 'time', reason: `invalid UTC offset in "${clip(raw)}"` };
      labelMs = wallClockMs - offsetMs;
    } else if (this.resolveLocal === undefined) {
      labelMs = wallClockMs;
    } else {
      const resolution = this.resolveLocal(wallClockMs);
      if (resolution.kind === 'gap') {
        return { line, field: 'time', reason: `local time "${raw}" does not exist in ${this.options.timeZone} (skipped by a DST change)` };
      }
      if (resolution.kind === 'ambiguous') {
        // The earliest of the two instants after the meter's previous row.
        const previous = meter.previousLabelMs;
        if (resolution.earlierUtcMs > previous) labelMs = resolution.earlierUtcMs;
        else if (resolution.laterUtcMs > previous) labelMs = resolution.laterUtcMs;
        else {
          return {
            line,
            field: 'time',
            reason: `local time "${raw}" is ambiguous in ${this.options.timeZone} (repeated by a DST change) and out of order; write it with a UTC offset`,
          };
        }
      } else {
        labelMs = resolution.utcMs;
      }
    }
    if (labelMs % meter.intervalMs !== 0) return offGrid(line, raw, meter);
    meter.previousLabelMs = labelMs;
    return meter.timing.timeLabel === 'end' ? labelMs - meter.intervalMs : labelMs;
  }
}

const DAY_MS = 86_400_000;
const DAYS_BEFORE_MONTH = [0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

/**
 * Wall-clock ms of exactly "YYYY-MM-DD HH:MM:SS" (or with a T) holding a valid date and time, by
 * arithmetic; NaN for anything else, which the regular expression then reads or rejects. Years
 * before 100 are left to it too (Date.UTC reads them as 19xx, so it rejects them).
 */
export function plainWallClockMs(raw: string): number {
  if (raw.length !== 19) return NaN;
  const separator = raw.charCodeAt(10);
  if (raw.charCodeAt(4) !== 45 || raw.charCodeAt(7) !== 45 || raw.charCodeAt(13) !== 58 || raw.charCodeAt(16) !== 58) return NaN;
  if (separator !== 32 && separator !== 84 && separator !== 116) return NaN;
  const year = digitsAt(raw, 0) * 100 + digitsAt(raw, 2);
  const month = digitsAt(raw, 5);
  const day = digitsAt(raw, 8);
  const hour = digitsAt(raw, 11);
  const minute = digitsAt(raw, 14);
  const second = digitsAt(raw, 17);
  // digitsAt gives a large negative number for a non-digit: every range check below then fails.
  if (year < 100 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return NaN;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const monthDays = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  if (day > monthDays) return NaN;
  // Days since 1970-01-01 of the year's 1 January (proleptic Gregorian), then of the date.
  const y = year - 1;
  const yearDays = 365 * (year - 1970) + (Math.floor(y / 4) - 492) - (Math.floor(y / 100) - 19) + (Math.floor(y / 400) - 4);
  const days = yearDays + DAYS_BEFORE_MONTH[month]! + (leap && month > 2 ? 1 : 0) + day - 1;
  return days * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000;
}

/** The two-digit number at raw[at], or -10000 when either character is not a digit. */
function digitsAt(raw: string, at: number): number {
  const tens = raw.charCodeAt(at) - 48;
  const ones = raw.charCodeAt(at + 1) - 48;
  if (tens < 0 || tens > 9 || ones < 0 || ones > 9) return -10_000;
  return tens * 10 + ones;
}

/** Any accepted time form: wall-clock ms, with the offset when one is written, or why not. */
function parseTimestamp(line: number, raw: string): { wallClockMs: number; offset: string | undefined; subMillisecond: boolean } | RowError {
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
  // Digits below the millisecond are not dropped: any but zeros put the time between milliseconds.
  return { wallClockMs, offset, subMillisecond: /[1-9]/.test(fraction.slice(3)) };
}

/** The meter_id column of a header row; undefined without one (or when the row is not a header). */
function meterColumnOf(fields: readonly string[]): number | undefined {
  const names = fields.map((field) => field.trim().toLowerCase());
  const column = names.includes('time') ? names.indexOf('meter_id') : -1;
  return column < 0 ? undefined : column;
}

/** A row's error, counted against its meter when known. */
function reject(meter: MeterState | undefined, error: RowError): RowError {
  if (meter !== undefined) meter.rejected += 1;
  return error;
}

function offGrid(line: number, raw: string, meter: MeterState): RowError {
  return { line, field: 'time', reason: `time "${clip(raw)}" is not on the ${describeInterval(meter.timing.intervalSeconds)} grid` };
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
