import { RFC3339_EARLIEST_MS, RFC3339_LATEST_MS } from '@meterusage/contracts';
import { isMeterId, METER_ID_RULE, type TimeLabelName } from '@meterusage/meters';
import { clip } from './clip';
import { meterColumnOf, readHeader, type Columns } from './csv-header';
import type { CsvRecord } from './csv-row-reader';
import { TimeFieldReader, type MeterGrid } from './reading-time';
import type { RowError } from './row-error';
import { parseUsageValue } from './usage-value';
import { parseQualityField, qualityMismatch } from './reading-quality';
import type { StoredQuality } from '../db/schema';

/** An accepted row: its line, meter, interval start (epoch ms), the value as written (null = missing) and its quality. */
export interface ValidReading {
  line: number;
  meterId: string;
  startMs: number;
  usage: string | null;
  quality: StoredQuality;
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

/** What the validator keeps per meter: looked up once per run of rows of the same meter. */
interface MeterState extends MeterGrid {
  meterId: string;
  timing: MeterTiming;
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
 * Validates CSV records one by one into readings or row errors: the header (csv-header.ts), the
 * meter of each row, its time on the meter's grid in the upload's zone (reading-time.ts) and its
 * value (usage-value.ts). Keeps per meter what the checks need across rows (the previous label,
 * for the DST rule) and what the upload reports: counts, spans, and whether the file is in time
 * order per meter (a file that is cannot hold duplicate times, so the duplicate check can be skipped).
 */
export class ReadingValidator {
  private columns: Columns | undefined;
  private headerRejected = false;
  private sawRecord = false;
  private readonly times: TimeFieldReader;
  private readonly meters = new Map<string, MeterState>();
  /** The meter_id column as collectMeterIds read the header; undefined before it. */
  private peekedMeterColumn: number | 'none' | undefined;
  /** The state of the meter of the latest row: files hold long runs of one meter. */
  private current: MeterState | undefined;
  private ordered = true;
  /** Records after the header (blank lines excluded). */
  private dataRows = 0;
  private earliestStartMs = Infinity;
  private latestEndMs = -Infinity;

  constructor(private readonly options: ValidatorOptions) {
    this.times = new TimeFieldReader(options.timeZone);
  }

  /** True while every meter's rows came in strictly increasing time. */
  get inTimeOrder(): boolean {
    return this.ordered;
  }

  /** Earliest accepted interval start (epoch ms); Infinity while none is accepted. */
  get firstStartMs(): number {
    return this.earliestStartMs;
  }

  /** End of the latest accepted interval (epoch ms); -Infinity while none is accepted. */
  get lastEndMs(): number {
    return this.latestEndMs;
  }

  /** Whether the file has a quality column (known once its header was read). */
  get hasQualityColumn(): boolean {
    return this.columns?.quality !== undefined;
  }

  /** Whether the file has a meter_id column (a multi-meter upload unless the upload names its meter). */
  get hasMeterColumn(): boolean {
    return this.columns?.meterId !== undefined;
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
      const header = readHeader(record.line, fields);
      if ('reason' in header) {
        this.headerRejected = true;
        return header;
      }
      this.columns = header.columns;
      if (!header.firstRowIsData) return undefined;
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

  /** Every meter a row was accepted or rejected for, with those counts, in meter order. */
  meterRowCounts(): MeterRowCounts[] {
    const counts: MeterRowCounts[] = [];
    for (const state of this.meters.values()) counts.push({ meterId: state.meterId, accepted: state.accepted, rejected: state.rejected });
    return counts.sort(byMeterId);
  }

  /** Each meter with accepted rows and the span of their starts, in meter order. */
  meterSpans(): MeterSpan[] {
    const spans: MeterSpan[] = [];
    for (const state of this.meters.values()) {
      if (state.firstStartMs <= state.lastStartMs) spans.push({ meterId: state.meterId, firstStartMs: state.firstStartMs, lastStartMs: state.lastStartMs });
    }
    return spans.sort(byMeterId);
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
    const labelMs = this.times.labelMs(line, fields[columns.time]!.trim(), state);
    if (typeof labelMs !== 'number') return reject(state, labelMs);
    state.previousLabelMs = labelMs;
    const start = state.timing.timeLabel === 'end' ? labelMs - state.intervalMs : labelMs;
    // Every answer writes the interval's start and end in RFC 3339, which has years 0001-9999 only:
    // an interval reaching past them (a start label of 9999-12-31 23:45 on a 15-minute meter) could
    // be stored but never read back.
    if (start < RFC3339_EARLIEST_MS || start + state.intervalMs > RFC3339_LATEST_MS) {
      return reject(state, {
        line,
        field: 'time',
        reason: `the interval of "${clip(fields[columns.time]!.trim())}" reaches outside years 0001-9999, which answers cannot write`,
      });
    }
    const value = parseUsageValue(fields[columns.usage]!.trim());
    if ('reason' in value) return reject(state, { line, field: 'meterusage', reason: value.reason });
    let quality: StoredQuality = 'actual';
    if (columns.quality !== undefined) {
      const field = parseQualityField(fields[columns.quality]!.trim());
      if ('reason' in field) return reject(state, { line, field: 'quality', reason: field.reason });
      const mismatch = qualityMismatch(field, value.usage);
      if (mismatch !== undefined) return reject(state, { line, field: 'quality', reason: mismatch });
      quality = field.quality;
    }

    if (start <= state.previousStartMs) this.ordered = false;
    state.previousStartMs = start;
    if (start < state.firstStartMs) state.firstStartMs = start;
    if (start > state.lastStartMs) state.lastStartMs = start;
    if (start < this.earliestStartMs) this.earliestStartMs = start;
    if (start + state.intervalMs > this.latestEndMs) this.latestEndMs = start + state.intervalMs;
    state.accepted += 1;
    return { line, meterId: state.meterId, startMs: start, usage: value.usage, quality };
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
      intervalSeconds: timing.intervalSeconds,
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
}

function byMeterId(a: { meterId: string }, b: { meterId: string }): number {
  return a.meterId < b.meterId ? -1 : a.meterId > b.meterId ? 1 : 0;
}

/** A row's error, counted against its meter when known. */
function reject(meter: MeterState | undefined, error: RowError): RowError {
  if (meter !== undefined) meter.rejected += 1;
  return error;
}
