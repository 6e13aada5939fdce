import { localTimeResolver, startOfLocalDate, utcOffsetFinder } from './zoned-time';

const wall = (iso: string) => Date.parse(`${iso}Z`);

describe('localTimeResolver', () => {
  const amsterdam = localTimeResolver('Europe/Amsterdam');

  it('maps an ordinary winter and summer local time with the right offset', () => {
    expect(amsterdam(wall('2019-01-17T03:00:00'))).toEqual({ kind: 'exact', utcMs: Date.parse('2019-01-17T02:00:00Z') });
    expect(amsterdam(wall('2019-07-01T12:00:00'))).toEqual({ kind: 'exact', utcMs: Date.parse('2019-07-01T10:00:00Z') });
  });

  it('reports the skipped hour of the spring change as a gap', () => {
    expect(amsterdam(wall('2019-03-31T02:30:00'))).toEqual({ kind: 'gap' });
    expect(amsterdam(wall('2019-03-31T03:00:00'))).toEqual({ kind: 'exact', utcMs: Date.parse('2019-03-31T01:00:00Z') });
  });

  it('reports the repeated hour of the autumn change as ambiguous with both instants', () => {
    expect(amsterdam(wall('2019-10-27T02:30:00'))).toEqual({
      kind: 'ambiguous',
      earlierUtcMs: Date.parse('2019-10-27T00:30:00Z'),
      laterUtcMs: Date.parse('2019-10-27T01:30:00Z'),
    });
  });

  it('passes UTC through unchanged', () => {
    expect(localTimeResolver('UTC')(wall('2019-03-31T02:30:00'))).toEqual({ kind: 'exact', utcMs: wall('2019-03-31T02:30:00') });
  });
});

describe('startOfLocalDate', () => {
  it('is local midnight in the zone, on ordinary and DST change days', () => {
    expect(startOfLocalDate('2019-01-01', 'UTC')).toBe(Date.parse('2019-01-01T00:00:00Z'));
    expect(startOfLocalDate('2019-01-01', 'Europe/Amsterdam')).toBe(Date.parse('2018-12-31T23:00:00Z'));
    expect(startOfLocalDate('2019-03-31', 'Europe/Amsterdam')).toBe(Date.parse('2019-03-30T23:00:00Z'));
    expect(startOfLocalDate('2019-10-27', 'Europe/Amsterdam')).toBe(Date.parse('2019-10-26T22:00:00Z'));
  });

  it('starts a day whose midnight is skipped at the first local time that exists', () => {
    // Santiago skipped 2019-09-08 00:00-01:00 (clocks went from 00:00 to 01:00).
    expect(startOfLocalDate('2019-09-08', 'America/Santiago')).toBe(Date.parse('2019-09-08T04:00:00Z'));
  });

  it('rejects dates that do not exist or are not YYYY-MM-DD', () => {
    expect(startOfLocalDate('2019-02-29', 'UTC')).toBeUndefined();
    expect(startOfLocalDate('2019-1-1', 'UTC')).toBeUndefined();
    expect(startOfLocalDate('yesterday', 'UTC')).toBeUndefined();
  });
});

describe('utcOffsetFinder', () => {
  it('gives offsets with their seconds (local mean time), fractions of hours and negative offsets', () => {
    expect(utcOffsetFinder('Asia/Kolkata')(Date.parse('1900-01-01T00:00:00Z'))).toBe((5 * 3600 + 21 * 60 + 10) * 1000);
    expect(utcOffsetFinder('Asia/Kathmandu')(Date.parse('2019-01-01T00:00:00Z'))).toBe((5 * 3600 + 45 * 60) * 1000);
    expect(utcOffsetFinder('America/St_Johns')(Date.parse('2019-01-01T00:00:00Z'))).toBe(-(3 * 3600 + 30 * 60) * 1000);
    expect(utcOffsetFinder('UTC')(Date.parse('2019-01-01T00:00:00Z'))).toBe(0);
  });
});
