import { meterColumnOf, readHeader } from './csv-header';

describe('readHeader', () => {
  it('finds the columns of a header in any order and case, with meter_id, quality and ignored export columns', () => {
    expect(readHeader(1, ['Meter_ID', ' meterusage', 'quality', 'TIME', 'unit'])).toEqual({
      columns: { time: 3, usage: 1, meterId: 0, quality: 2, count: 5 },
      firstRowIsData: false,
    });
  });

  it('reads a first row of a timestamp and a value as data of a header-less time,meterusage file', () => {
    expect(readHeader(1, ['2019-01-01 00:15:00', '1.5'])).toEqual({
      columns: { time: 0, usage: 1, meterId: undefined, quality: undefined, count: 2 },
      firstRowIsData: true,
    });
    // An impossible date is still a timestamp's shape: data, rejected later for its time.
    expect(readHeader(1, ['2019-02-30 00:15:00', '1.5'])).toMatchObject({ firstRowIsData: true });
  });

  it('names every problem of a header it refuses', () => {
    expect(readHeader(1, ['when', 'value'])).toEqual({
      line: 1,
      field: 'header',
      reason: 'missing header: expected columns "time,meterusage" (optionally meter_id), found "when,value"',
    });
    expect(readHeader(1, ['time', 'time', 'kwh'])).toEqual({
      line: 1,
      field: 'header',
      reason: 'no "meterusage" column, unknown column "kwh", column "time" appears twice: expected time, meterusage and optionally meter_id and quality',
    });
  });
});

describe('meterColumnOf', () => {
  it('gives the meter_id column of a header, and none for a header without one or a data row', () => {
    expect([
      meterColumnOf(['time', 'meter_id', 'meterusage']),
      meterColumnOf(['time', 'meterusage']),
      meterColumnOf(['2019-01-01 00:15:00', 'meter_id']),
    ]).toEqual([1, undefined, undefined]);
  });
});
