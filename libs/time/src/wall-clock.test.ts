import { formatPlainDate, formatWallClock, parsePlainDate, parseWallClock, wallClockMsOf } from './wall-clock';

const wall = (iso: string) => Date.parse(`${iso}Z`);

describe('wallClockMsOf', () => {
  it('encodes the fields as if UTC, keeping years 0-99', () => {
    expect(wallClockMsOf(2019, 1, 17, 3, 30)).toBe(wall('2019-01-17T03:30:00'));
    expect(new Date(wallClockMsOf(99, 12, 31)).getUTCFullYear()).toBe(99);
  });
});

describe('parsePlainDate', () => {
  it('reads a date of the calendar as its midnight', () => {
    expect(parsePlainDate('2019-01-17')).toBe(wall('2019-01-17T00:00:00'));
    expect(parsePlainDate('2020-02-29')).toBe(wall('2020-02-29T00:00:00'));
  });

  it('refuses dates that do not exist and other shapes', () => {
    for (const text of ['2019-02-29', '2019-13-01', '2019-00-10', '2019-1-1', '2019-01-17T00:00', 'today']) expect(parsePlainDate(text)).toBeUndefined();
  });
});

describe('parseWallClock', () => {
  it('reads a local time to the minute or second', () => {
    expect(parseWallClock('2019-01-17T03:30')).toBe(wall('2019-01-17T03:30:00'));
    expect(parseWallClock('2019-01-17T03:30:15')).toBe(wall('2019-01-17T03:30:15'));
  });

  it('refuses impossible fields and offsets', () => {
    for (const text of ['2019-01-17T24:00', '2019-01-17T03:60', '2019-02-30T00:00', '2019-01-17T03:30Z', '2019-01-17'])
      expect(parseWallClock(text)).toBeUndefined();
  });
});

describe('formatPlainDate and formatWallClock', () => {
  it('write four-digit years and two-digit fields', () => {
    expect(formatPlainDate(wallClockMsOf(7, 3, 9))).toBe('0007-03-09');
    expect(formatWallClock(wall('2019-01-17T03:30:15'))).toBe('2019-01-17T03:30:15');
    expect(formatWallClock(wall('2019-01-17T03:30:15'), 'minute')).toBe('2019-01-17T03:30');
  });
});
