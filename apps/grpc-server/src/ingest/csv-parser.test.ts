import { readFileSync } from 'node:fs';
import { SAMPLE_CSV_PATH } from '@meterusage/testing';
import { parseReadingsCsv, type CsvParseOptions } from './csv-parser';

const utcEndLabelled: CsvParseOptions = { timeZone: 'UTC', intervalSeconds: 900, timeLabel: 'end' };
const parse = (text: string, options: Partial<CsvParseOptions> = {}) => parseReadingsCsv(text, { ...utcEndLabelled, ...options });
const at = (iso: string) => Date.parse(iso);

describe('parseReadingsCsv', () => {
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

  it('reports an empty file', () => {
    expect(parse('')).toEqual({ readings: [], errors: [{ line: 1, field: 'file', reason: 'the file is empty' }] });
    expect(parse('\uFEFF\n\n').errors).toEqual([{ line: 1, field: 'file', reason: 'the file is empty' }]);
  });

  it('reports a missing header on line 1 and nothing else', () => {
    const { readings, errors } = parse('2019-01-01 00:15:00,55.09\n2019-01-01 00:30:00,54.64\n');
    expect(readings).toEqual([]);
    expect(errors).toEqual([
      { line: 1, field: 'header', reason: 'missing header: expected columns "time,meterusage", found "2019-01-01 00:15:00,55.09"' },
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
      '2019-01-01 00:15:00,5', // 8 duplicate of line 2
      '2019-01-01 01:00:00,6,7', // 9
      '', // 10 blank, skipped
      '2019-01-01 01:15:00,8', // 11 ok
    ].join('\n');
    const { readings, errors } = parse(text);
    expect(readings.map((reading) => reading.line)).toEqual([2, 11]);
    expect(errors).toEqual([
      { line: 3, field: 'time', reason: 'unparseable time "yesterday": expected "YYYY-MM-DD HH:MM:SS" or RFC 3339' },
      { line: 4, field: 'time', reason: 'invalid date or time "2019-02-30 00:00:00"' },
      { line: 5, field: 'time', reason: 'time "2019-01-01 00:20:00" is not on the 15-minute grid' },
      { line: 6, field: 'meterusage', reason: 'usage -1 is negative' },
      { line: 7, field: 'meterusage', reason: '"12kWh" is not a number (a missing reading is written NaN or left empty)' },
      { line: 8, field: 'time', reason: 'duplicate time: line 2 already has a reading for this interval' },
      { line: 9, field: 'row', reason: 'expected 2 fields, found 3' },
    ]);
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

  it('reads naive times in the configured zone and rejects DST gaps and overlaps', () => {
    const text = 'time,meterusage\n2019-01-17 03:45:00,1\n2019-03-31 02:15:00,2\n2019-10-27 02:15:00,3\n';
    const { readings, errors } = parse(text, { timeZone: 'Europe/Amsterdam' });
    expect(readings.map((reading) => reading.intervalStartMs)).toEqual([at('2019-01-17T02:30:00Z')]);
    expect(errors).toEqual([
      { line: 3, field: 'time', reason: 'local time "2019-03-31 02:15:00" does not exist in Europe/Amsterdam (skipped by a DST change)' },
      {
        line: 4,
        field: 'time',
        reason: 'local time "2019-10-27 02:15:00" is ambiguous in Europe/Amsterdam (repeated by a DST change); write it with a UTC offset',
      },
    ]);
  });
});
