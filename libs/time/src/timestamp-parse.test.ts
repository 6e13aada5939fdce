import { parseTimestamp, plainWallClockMs } from './timestamp-parse';

describe('plainWallClockMs', () => {
  it('reads "YYYY-MM-DD HH:MM:SS" with a space or a T as wall-clock ms', () => {
    expect(plainWallClockMs('2019-01-01 00:15:00')).toBe(Date.UTC(2019, 0, 1, 0, 15));
    expect(plainWallClockMs('2020-02-29T23:59:59')).toBe(Date.UTC(2020, 1, 29, 23, 59, 59));
    expect(plainWallClockMs('1969-12-31t23:45:00')).toBe(Date.UTC(1969, 11, 31, 23, 45));
  });

  it('leaves every other text, invalid dates and years before 100 to parseTimestamp (NaN)', () => {
    for (const text of ['2019-02-29 00:00:00', '2019-01-01 24:00:00', '2019-01-01 00:00', '2019-01-01 00:00:00Z', '0099-01-01 00:00:00', '2019-0a-01 00:00:00']) {
      expect(plainWallClockMs(text)).toBeNaN();
    }
  });
});

describe('parseTimestamp', () => {
  it('reads fractions and offsets, Z as 0', () => {
    expect(parseTimestamp('2019-01-01T00:15:00.250Z')).toEqual({ kind: 'timestamp', wallClockMs: Date.UTC(2019, 0, 1, 0, 15, 0, 250), offsetMs: 0, subMillisecond: false });
    expect(parseTimestamp('2019-01-01 01:15+01:00')).toMatchObject({ wallClockMs: Date.UTC(2019, 0, 1, 1, 15), offsetMs: 3_600_000 });
    expect(parseTimestamp('2019-01-01 00:00:00-0530')).toMatchObject({ offsetMs: -19_800_000 });
    expect(parseTimestamp('2019-01-01 00:00:00')).toMatchObject({ offsetMs: undefined });
  });

  it('marks digits below the millisecond and offsets beyond ±23:59', () => {
    expect(parseTimestamp('2019-01-01 00:00:00.0001')).toMatchObject({ subMillisecond: true });
    expect(parseTimestamp('2019-01-01 00:00:00.000000000')).toMatchObject({ subMillisecond: false });
    expect(parseTimestamp('2019-01-01 00:00:00+24:00')).toMatchObject({ offsetMs: 'invalid' });
  });

  it('tells an unparseable text from an impossible date', () => {
    expect(parseTimestamp('yesterday').kind).toBe('unparseable');
    expect(parseTimestamp('2019-02-30 00:00:00').kind).toBe('invalid-date');
    expect(parseTimestamp('2019-01-01 00:00:60').kind).toBe('invalid-date');
    expect(parseTimestamp('0019-01-01 00:00:00').kind).toBe('invalid-date');
  });
});
