import { readFileSync } from 'node:fs';
import { SAMPLE_CSV_PATH } from '@meterusage/testing';
import type { TimeLabelName } from '@meterusage/meters';
import { CsvRowReader } from './csv-row-reader';
import { ReadingValidator, type ValidReading } from './reading-validator';
import type { RowError } from './row-error';

interface ParseOptions {
  timeZone: string;
  intervalSeconds: number;
  timeLabel: TimeLabelName;
}

/** Reads text through CsvRowReader and ReadingValidator, as an upload does, in 7-character chunks. */
function parse(text: string, options: Partial<ParseOptions> = {}) {
  const { timeZone, intervalSeconds, timeLabel } = { timeZone: 'UTC', intervalSeconds: 900, timeLabel: 'end' as TimeLabelName, ...options };
  const reader = new CsvRowReader();
  const validator = new ReadingValidator({ meterId: undefined, defaultMeterId: 'm1', timeZone, timingOf: () => ({ intervalSeconds, timeLabel }) });
  const readings: Array<{ line: number; intervalStartMs: number; usage: string | null }> = [];
  const qualities: Array<[number, string]> = [];
  const errors: RowError[] = [];
  const records = [];
  for (let at = 0; at < text.length; at += 7) records.push(...reader.push(text.slice(at, at + 7)));
  records.push(...reader.end());
  for (const record of records) {
    const outcome = validator.accept(record);
    if (outcome === undefined) continue;
    if ('field' in outcome) errors.push(outcome);
    else {
      readings.push(toParsed(outcome));
      qualities.push([outcome.line, outcome.quality]);
    }
  }
  errors.push(...validator.finish());
  return { readings, errors, qualities, inTimeOrder: validator.inTimeOrder };
}

const toParsed = (reading: ValidReading) => ({ line: reading.line, intervalStartMs: reading.startMs, usage: reading.usage });
const at = (iso: string) => Date.parse(iso);

describe('ReadingValidator over CsvRowReader', () => {
  it('reads the sample: 2,975 readings, one missing, each interval ending at the labelled time', () => {
    const { readings, errors } = parse(readFileSync(SAMPLE_CSV_PATH, 'utf8'));
    expect(errors).toEqual([]);
    expect(readings).toHaveLength(2975);
    expect(readings[0]).toEqual({ line: 2, intervalStartMs: at('2019-01-01T00:00:00Z'), usage: '55.09' });
    const missing = readings.filter((reading) => reading.usage === null);
    expect(missing).toEqual([{ line: 1548, intervalStartMs: at('2019-01-17T02:30:00Z'), usage: null }]);
  });

  it('treats NaN in any case and an empty value as a missing reading', () => {
    const { readings, errors } = parse('time,meterusage\n2019-01-01 00:15:00,NaN\n2019-01-01 00:30:00,\n2019-01-01 00:45:00,nan\n');
    expect(errors).toEqual([]);
    expect(readings.map((reading) => reading.usage)).toEqual([null, null, null]);
  });

  it('labels interval starts when the meter is start-labelled', () => {
    const { readings } = parse('time,meterusage\n2019-01-01 00:15:00,1\n', { timeLabel: 'start' });
    expect(readings[0]?.intervalStartMs).toBe(at('2019-01-01T00:15:00Z'));
  });

  it('strips a byte-order mark and accepts CRLF line ends', () => {
    const { readings, errors } = parse('\uFEFFtime,meterusage\r\n2019-01-01 00:15:00,1.5\r\n2019-01-01 00:30:00,2\r\n');
    expect(errors).toEqual([]);
    expect(readings.map((reading) => [reading.line, reading.usage])).toEqual([
      [2, '1.5'],
      [3, '2'],
    ]);
  });

  it('reports an empty file and a header without readings', () => {
    expect(parse('')).toMatchObject({ readings: [], errors: [{ line: 1, field: 'file', reason: 'the file is empty' }] });
    expect(parse('\uFEFF\n\n').errors).toEqual([{ line: 1, field: 'file', reason: 'the file is empty' }]);
    expect(parse('time,meterusage\r\n').errors).toEqual([{ line: 2, field: 'file', reason: 'the file has a header but no readings' }]);
  });

  it('detects a file without a header (time,meterusage) and rejects a header it does not know', () => {
    const headerless = parse('2019-01-01 00:15:00,55.09\n2019-01-01 00:30:00,54.64\n');
    expect(headerless.errors).toEqual([]);
    expect(headerless.readings.map((reading) => reading.line)).toEqual([1, 2]);
    expect(parse('foo,bar\n2019-01-01 00:15:00,55.09\n')).toMatchObject({
      readings: [],
      errors: [{ line: 1, field: 'header', reason: 'missing header: expected columns "time,meterusage" (optionally meter_id), found "foo,bar"' }],
    });
    expect(parse('time,usage_kwh\n2019-01-01 00:15:00,55.09\n').errors).toEqual([
      { line: 1, field: 'header', reason: 'no "meterusage" column, unknown column "usage_kwh": expected time, meterusage and optionally meter_id and quality' },
    ]);
  });

  it('reads a meter_id column and the quality of its own CSV export, ignoring its other columns', () => {
    const text =
      'meter_id,time,start,end,meterusage,quality\nm2,2019-01-01T00:15:00Z,2019-01-01T00:00:00Z,2019-01-01T00:15:00Z,1.5,READING_QUALITY_MEASURED\nbad id,2019-01-01T00:30:00Z,,,2,\n';
    const reader = new CsvRowReader();
    const validator = new ReadingValidator({
      meterId: undefined,
      defaultMeterId: 'm1',
      timeZone: 'UTC',
      timingOf: () => ({ intervalSeconds: 900, timeLabel: 'end' }),
    });
    const outcomes = [...reader.push(text), ...reader.end()].map((record) => validator.accept(record));
    expect(outcomes).toEqual([
      undefined,
      { line: 2, meterId: 'm2', startMs: Date.parse('2019-01-01T00:00:00Z'), usage: '1.5', quality: 'actual' },
      { line: 3, field: 'meter_id', reason: `"bad id" is not a meter id (1 to 64 letters, digits, '.', '_', ':' or '-')` },
    ]);
  });

  it('rejects each malformed row with its line number, field and reason', () => {
    const text = [
      'time,meterusage', // 1
      '2019-01-01 00:15:00,1', // 2 ok
      'yesterday,2', // 3
      '2019-02-30 00:00:00,3', // 4
      '2019-01-01 00:20:00,4', // 5 off grid
      '2019-01-01 00:30:00,-1', // 6
      '2019-01-01 00:45:00,12kWh', // 7
      '2019-01-01 00:15:00,5', // 8 duplicate of line 2: found later, in the database (the file is out of order)
      '2019-01-01 01:00:00,6,7', // 9
      '', // 10 blank, skipped
      '2019-01-01 01:15:00,8', // 11 ok
    ].join('\n');
    const { readings, errors, inTimeOrder } = parse(text);
    expect(readings.map((reading) => reading.line)).toEqual([2, 8, 11]);
    expect(inTimeOrder).toBe(false);
    expect(errors).toEqual([
      { line: 3, field: 'time', reason: 'unparseable time "yesterday": expected "YYYY-MM-DD HH:MM:SS" or RFC 3339' },
      { line: 4, field: 'time', reason: 'invalid date or time "2019-02-30 00:00:00"' },
      { line: 5, field: 'time', reason: 'time "2019-01-01 00:20:00" is not on the 15-minute grid' },
      { line: 6, field: 'meterusage', reason: 'usage -1 is negative' },
      { line: 7, field: 'meterusage', reason: '"12kWh" is not a number (a missing reading is written NaN or left empty)' },
      { line: 9, field: 'row', reason: 'expected 2 fields, found 3' },
    ]);
  });

  it('reads the quality column in short and contract names, any case, and rejects a quality its value contradicts', () => {
    const text = [
      'time,meterusage,quality', // 1
      '2019-01-01 00:15:00,1,Estimated', // 2
      '2019-01-01 00:30:00,2,READING_QUALITY_EDITED', // 3
      '2019-01-01 00:45:00,3,', // 4 empty: actual
      '2019-01-01 01:00:00,,missing_in_source', // 5
      '2019-01-01 01:15:00,4,READING_QUALITY_MISSING_IN_SOURCE', // 6 a value where none was received
      '2019-01-01 01:30:00,NaN,estimated', // 7 an estimate of nothing
      '2019-01-01 01:45:00,5,guessed', // 8
      '2019-01-01 02:00:00,6,READING_QUALITY_NOT_RECEIVED', // 9
    ].join('\n');
    const { errors, qualities } = parse(text);
    expect(qualities).toEqual([
      [2, 'estimated'],
      [3, 'edited'],
      [4, 'actual'],
      [5, 'actual'],
    ]);
    expect(errors).toEqual([
      { line: 6, field: 'quality', reason: 'quality MISSING_IN_SOURCE with a value: leave the value empty or change the quality' },
      { line: 7, field: 'quality', reason: 'quality ESTIMATED needs a value' },
      {
        line: 8,
        field: 'quality',
        reason: '"guessed" is not a reading quality: expected actual, estimated, edited or missing_in_source (or their READING_QUALITY_ names)',
      },
      { line: 9, field: 'quality', reason: 'quality NOT_RECEIVED marks an interval nothing was received for: drop the row' },
    ]);
  });

  it('honours sub-second digits: a time between milliseconds is off the grid, trailing zeros are not', () => {
    const { readings, errors } = parse('time,meterusage\n2019-01-01 00:15:00.0009,1\n2019-01-01 00:30:00.000000000,2\n2019-01-01 00:45:00.5,3\n');
    expect(readings.map((reading) => reading.line)).toEqual([3]);
    expect(errors).toEqual([
      { line: 2, field: 'time', reason: 'time "2019-01-01 00:15:00.0009" is not on the 15-minute grid' },
      { line: 4, field: 'time', reason: 'time "2019-01-01 00:45:00.5" is not on the 15-minute grid' },
    ]);
  });

  it.each([
    ['a meter_id column, no target', undefined, 'meter_id,time,meterusage\nb,2019-01-01 00:15:00,1\n\n c ,2019-01-01 00:15:00,1\n', ['m1', 'b', 'c']],
    ['a meter_id column and a target', 'a', 'time,meter_id,meterusage\n2019-01-01 00:15:00,b,1\n', ['a']],
    ['no meter_id column', undefined, 'time,meterusage\n2019-01-01 00:15:00,1\n', ['m1']],
    ['no header', 'a', '2019-01-01 00:15:00,1\n', ['a']],
  ])('collects the meters accept() may look up before it sees the rows: %s', (_, meterId, text, expected) => {
    const validator = new ReadingValidator({ meterId, defaultMeterId: 'm1', timeZone: 'UTC', timingOf: () => ({ intervalSeconds: 900, timeLabel: 'end' }) });
    const reader = new CsvRowReader();
    const named = new Set<string>();
    validator.collectMeterIds([...reader.push(text), ...reader.end()], named);
    expect([...named]).toEqual(expected);
  });

  it('keeps line numbers right after a quoted field that spans lines', () => {
    const { errors } = parse('time,meterusage\n"2019-01-01\n00:15:00",1\n2019-01-01 00:30:00,x\n');
    expect(errors.map((error) => error.line)).toEqual([2, 4]);
  });

  it('reads RFC 3339 times with offsets regardless of the configured zone', () => {
    const { readings, errors } = parse('time,meterusage\n2019-01-01T01:15:00+01:00,1\n2019-01-01T00:30:00Z,2\n', {
      timeZone: 'America/New_York',
    });
    expect(errors).toEqual([]);
    expect(readings.map((reading) => reading.intervalStartMs)).toEqual([at('2019-01-01T00:00:00Z'), at('2019-01-01T00:15:00Z')]);
  });

  it('reads naive times in the configured zone and rejects the spring DST gap', () => {
    const text = 'time,meterusage\n2019-01-17 03:45:00,1\n2019-03-31 02:15:00,2\n';
    const { readings, errors } = parse(text, { timeZone: 'Europe/Amsterdam' });
    expect(readings.map((reading) => reading.intervalStartMs)).toEqual([Date.parse('2019-01-17T02:30:00Z')]);
    expect(errors).toEqual([
      { line: 3, field: 'time', reason: 'local time "2019-03-31 02:15:00" does not exist in Europe/Amsterdam (skipped by a DST change)' },
    ]);
  });

  it('places the repeated autumn hour by file order, and rejects a repeated time out of order', () => {
    // End-labelled quarter-hours across 2019-10-27 in Amsterdam: 02:15…03:00 local happen twice.
    const locals = ['01:45', '02:00', '02:15', '02:30', '02:45', '02:00', '02:15', '02:30', '02:45', '03:00', '03:15'];
    const text = `time,meterusage\n${locals.map((time, index) => `2019-10-27 ${time}:00,${index}`).join('\n')}\n`;
    const { readings, errors, inTimeOrder } = parse(text, { timeZone: 'Europe/Amsterdam' });
    expect(errors).toEqual([]);
    expect(inTimeOrder).toBe(true);
    const ends = readings.map((reading) => new Date(reading.intervalStartMs + 900_000).toISOString().slice(11, 16));
    expect(ends).toEqual(['23:45', '00:00', '00:15', '00:30', '00:45', '01:00', '01:15', '01:30', '01:45', '02:00', '02:15']);

    const outOfOrder = parse('time,meterusage\n2019-10-27 03:30:00,1\n2019-10-27 02:15:00,2\n', { timeZone: 'Europe/Amsterdam' });
    expect(outOfOrder.errors).toEqual([
      {
        line: 3,
        field: 'time',
        reason: 'local time "2019-10-27 02:15:00" is ambiguous in Europe/Amsterdam (repeated by a DST change) and out of order; write it with a UTC offset',
      },
    ]);
  });

  it('gives each meter the span of its accepted starts, across interleaved runs of meters', () => {
    const validator = new ReadingValidator({
      meterId: undefined,
      defaultMeterId: 'm1',
      timeZone: 'UTC',
      timingOf: () => ({ intervalSeconds: 900, timeLabel: 'start' }),
    });
    const rows = [
      ['b', '2020-01-01 00:15:00'],
      ['b', '2020-01-01 00:30:00'],
      ['a', '2020-01-01 01:00:00'],
      ['b', '2020-01-01 00:00:00'],
      ['bad id!', '2020-01-01 00:00:00'],
      ['a', '2020-01-01 00:45:00'],
      ['a', '2020-02-30 00:45:00'],
    ];
    validator.accept({ line: 1, fields: ['meter_id', 'time', 'meterusage'] });
    const outcomes = rows.map(([meterId, time], index) => validator.accept({ line: index + 2, fields: [meterId!, time!, '1'] }));
    expect(outcomes.filter((outcome) => outcome !== undefined && 'field' in outcome)).toEqual([
      { line: 6, field: 'meter_id', reason: `"bad id!" is not a meter id (1 to 64 letters, digits, '.', '_', ':' or '-')` },
      { line: 8, field: 'time', reason: 'invalid date or time "2020-02-30 00:45:00"' },
    ]);
    expect(validator.meterSpans()).toEqual([
      { meterId: 'a', firstStartMs: at('2020-01-01T00:45:00Z'), lastStartMs: at('2020-01-01T01:00:00Z') },
      { meterId: 'b', firstStartMs: at('2020-01-01T00:00:00Z'), lastStartMs: at('2020-01-01T00:30:00Z') },
    ]);
    expect(validator.inTimeOrder).toBe(false);
  });

  it('rejects the times the arithmetic parse leaves to the regular expression with the same messages', () => {
    const { readings, errors } = parse('time,meterusage\n2019-02-29 00:15:00,1\n0099-01-01 00:15:00,1\n2019-01-01t00:15:00,1\n2019-01-01 24:00:00,1\n');
    expect(readings.map((reading) => reading.line)).toEqual([4]);
    expect(errors).toEqual([
      { line: 2, field: 'time', reason: 'invalid date or time "2019-02-29 00:15:00"' },
      { line: 3, field: 'time', reason: 'invalid date or time "0099-01-01 00:15:00"' },
      { line: 5, field: 'time', reason: 'invalid date or time "2019-01-01 24:00:00"' },
    ]);
  });
});
