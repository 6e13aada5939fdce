import fc from 'fast-check';
import { parseRfc3339Instant, parseTimestamp, plainWallClockMs } from './timestamp-parse';

describe('plainWallClockMs', () => {
  it('reads "YYYY-MM-DD HH:MM:SS" with a space or a T as wall-clock ms', () => {
    expect(plainWallClockMs('2019-01-01 00:15:00')).toBe(Date.UTC(2019, 0, 1, 0, 15));
    expect(plainWallClockMs('2020-02-29T23:59:59')).toBe(Date.UTC(2020, 1, 29, 23, 59, 59));
    expect(plainWallClockMs('1969-12-31t23:45:00')).toBe(Date.UTC(1969, 11, 31, 23, 45));
  });

  it('leaves every other text, invalid dates and years before 100 to parseTimestamp (NaN)', () => {
    for (const text of [
      '2019-02-29 00:00:00',
      '2019-01-01 24:00:00',
      '2019-01-01 00:00',
      '2019-01-01 00:00:00Z',
      '0099-01-01 00:00:00',
      '2019-0a-01 00:00:00',
    ]) {
      expect(plainWallClockMs(text)).toBeNaN();
    }
  });
});

describe('parseTimestamp', () => {
  it('reads fractions and offsets, Z as 0', () => {
    expect(parseTimestamp('2019-01-01T00:15:00.250Z')).toEqual({
      kind: 'timestamp',
      wallClockMs: Date.UTC(2019, 0, 1, 0, 15, 0, 250),
      offsetMs: 0,
      subMillisecond: false,
    });
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

describe('parseRfc3339Instant', () => {
  const instant = (text: string) => parseRfc3339Instant(text);

  it('reads Z, offsets, fractions, a space or lower-case letters as the instant written', () => {
    expect(instant('2019-01-01T00:15:00Z')).toEqual({ kind: 'instant', ms: Date.UTC(2019, 0, 1, 0, 15) });
    expect(instant('2019-01-01t01:15:00.25+01:00')).toEqual({ kind: 'instant', ms: Date.UTC(2019, 0, 1, 0, 15, 0, 250) });
    expect(instant('2018-12-31 18:45:00.250000000-05:30')).toEqual({ kind: 'instant', ms: Date.UTC(2019, 0, 1, 0, 15, 0, 250) });
    expect(instant('2020-02-29T23:59:59.999z')).toEqual({ kind: 'instant', ms: Date.UTC(2020, 1, 29, 23, 59, 59, 999) });
  });

  it('reads years 0000-0099 as written, not as 1900-1999', () => {
    expect(instant('0001-01-01T00:00:00Z')).toEqual({ kind: 'instant', ms: Date.parse('0001-01-01T00:00:00Z') });
    expect(instant('0099-12-31T23:59:59.999Z')).toEqual({ kind: 'instant', ms: Date.parse('0099-12-31T23:59:59.999Z') });
    expect(instant('0000-02-29T00:00:00Z')).toEqual({ kind: 'instant', ms: Date.parse('0000-02-29T00:00:00Z') });
  });

  it('refuses other shapes as unparseable', () => {
    for (const text of [
      'yesterday',
      '2019-01-01',
      '2019-01-01T00:00Z',
      '2019-01-01T00:00:00',
      '2019-01-01T00:00:00.Z',
      '2019-01-01T00:00:00+0100',
      '+012019-01-01T00:00:00Z',
      ' 2019-01-01T00:00:00Z',
    ]) {
      expect(instant(text)).toEqual({ kind: 'unparseable' });
    }
  });

  it('refuses dates the calendar does not have', () => {
    for (const text of [
      '2019-02-29T00:00:00Z',
      '2100-02-29T00:00:00Z',
      '2019-04-31T00:00:00Z',
      '2019-13-01T00:00:00Z',
      '2019-00-10T00:00:00Z',
      '2019-01-00T00:00:00Z',
    ]) {
      expect(instant(text)).toEqual({ kind: 'invalid-date' });
    }
    expect(instant('2000-02-29T00:00:00Z').kind).toBe('instant');
  });

  it('refuses times of day that do not exist, the date first', () => {
    for (const text of ['2019-01-01T24:00:00Z', '2019-01-01T23:60:00Z', '2019-01-01T23:59:61Z', '2019-01-01T24:00:60Z']) {
      expect(instant(text)).toEqual({ kind: 'invalid-time' });
    }
    expect(instant('2019-02-30T24:00:00Z')).toEqual({ kind: 'invalid-date' });
  });

  it('refuses a leap second', () => {
    expect(instant('2016-12-31T23:59:60Z')).toEqual({ kind: 'leap-second' });
  });

  it('refuses digits below the millisecond, but not trailing zeros', () => {
    expect(instant('2019-01-01T00:00:00.0001Z')).toEqual({ kind: 'sub-millisecond' });
    expect(instant('2019-01-01T00:00:00.123456789Z')).toEqual({ kind: 'sub-millisecond' });
    expect(instant('2019-01-01T00:00:00.123000000Z')).toEqual({ kind: 'instant', ms: Date.UTC(2019, 0, 1, 0, 0, 0, 123) });
  });

  it('refuses an offset beyond ±23:59', () => {
    for (const text of ['2019-01-01T00:00:00+24:00', '2019-01-01T00:00:00-00:60', '2019-01-01T00:00:00-99:99']) {
      expect(instant(text)).toEqual({ kind: 'invalid-offset' });
    }
    expect(instant('2019-01-01T00:00:00-23:59')).toEqual({ kind: 'instant', ms: Date.UTC(2019, 0, 1, 23, 59) });
  });

  const EARLIEST_MS = Date.parse('0001-01-01T00:00:00Z');
  const LATEST_MS = Date.parse('9999-12-31T23:59:59.999Z');
  const DAY_MS = 86_400_000;

  it('reads back every instant of 0001-9999 as toISOString writes it', () => {
    fc.assert(
      fc.property(fc.integer({ min: EARLIEST_MS, max: LATEST_MS }), (ms) => {
        expect(instant(new Date(ms).toISOString())).toEqual({ kind: 'instant', ms });
      }),
    );
  });

  it('reads the same instant written with any offset ±HH:MM', () => {
    const pad = (value: number) => String(value).padStart(2, '0');
    // A day in from the ends, so the local date keeps its four-digit year.
    const ms = fc.integer({ min: EARLIEST_MS + DAY_MS, max: LATEST_MS - DAY_MS });
    const offsetMinutes = fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 });
    fc.assert(
      fc.property(ms, offsetMinutes, (utcMs, offset) => {
        const local = new Date(utcMs + offset * 60_000).toISOString().slice(0, -1);
        const sign = offset < 0 ? '-' : '+';
        const text = `${local}${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
        expect(instant(text)).toEqual({ kind: 'instant', ms: utcMs });
      }),
    );
  });
});
