import fc from 'fast-check';
import { formatInstantInZone, instantOfWallClock, localTimeResolver, startOfLocalDate, utcOffsetFinder, wallClockAt } from './zoned-time';

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

describe('instantOfWallClock', () => {
  it('maps an ordinary local time with the offset in force', () => {
    expect(instantOfWallClock(wall('2019-01-17T03:00:00'), 'Europe/Amsterdam')).toBe(Date.parse('2019-01-17T02:00:00Z'));
    expect(instantOfWallClock(wall('2019-01-17T03:00:00'), 'UTC')).toBe(Date.parse('2019-01-17T03:00:00Z'));
  });

  it('maps a time the spring change skipped to the instant of the jump', () => {
    expect(instantOfWallClock(wall('2019-03-31T02:30:00'), 'Europe/Amsterdam')).toBe(Date.parse('2019-03-31T01:00:00Z'));
    expect(instantOfWallClock(wall('2019-03-31T02:00:00'), 'Europe/Amsterdam')).toBe(Date.parse('2019-03-31T01:00:00Z'));
  });

  it('maps a time the autumn change repeated to its earlier instant', () => {
    expect(instantOfWallClock(wall('2019-10-27T02:30:00'), 'Europe/Amsterdam')).toBe(Date.parse('2019-10-27T00:30:00Z'));
  });
});

describe('wallClockAt', () => {
  it('reads the local clock, also on both sides of a change', () => {
    expect(wallClockAt(Date.parse('2019-10-27T00:30:00Z'), 'Europe/Amsterdam')).toBe(wall('2019-10-27T02:30:00'));
    expect(wallClockAt(Date.parse('2019-10-27T01:30:00Z'), 'Europe/Amsterdam')).toBe(wall('2019-10-27T02:30:00'));
    expect(wallClockAt(Date.parse('2019-01-17T02:30:45.123Z'), 'Asia/Kathmandu')).toBe(wall('2019-01-17T08:15:45.123'));
  });
});

describe('formatInstantInZone', () => {
  it('writes the local time with the offset, Z at offset zero', () => {
    expect(formatInstantInZone(Date.parse('2019-01-17T02:30:00Z'), 'Europe/Amsterdam')).toBe('2019-01-17T03:30:00+01:00');
    expect(formatInstantInZone(Date.parse('2019-01-17T02:30:00Z'), 'America/St_Johns')).toBe('2019-01-16T23:00:00-03:30');
    expect(formatInstantInZone(Date.parse('2019-01-17T02:30:00Z'), 'UTC')).toBe('2019-01-17T02:30:00Z');
  });

  it('falls back to UTC where the offset has seconds, which RFC 3339 cannot write', () => {
    expect(formatInstantInZone(Date.parse('1900-01-01T00:00:00Z'), 'Asia/Kolkata')).toBe('1900-01-01T00:00:00Z');
  });
});

// Zones with gaps, overlaps, half-hour and 30-minute changes, skipped days and local mean time.
const ZONES = ['UTC', 'Europe/Amsterdam', 'America/Santiago', 'America/Sao_Paulo', 'Australia/Lord_Howe', 'Pacific/Apia', 'Asia/Kolkata', 'America/St_Johns'];
const SECOND_MS = 1000;

describe('instantOfWallClock (properties)', () => {
  const zone = fc.constantFrom(...ZONES);
  // Whole seconds from 1890 to 2040: local mean time, the DST era and today's rules.
  const seconds = fc.integer({ min: Date.parse('1890-01-01T00:00:00Z') / SECOND_MS, max: Date.parse('2040-01-01T00:00:00Z') / SECOND_MS });

  it('is the first instant at which the local clock reads the time or later', () => {
    fc.assert(
      fc.property(zone, seconds, (timeZone, wallClockSec) => {
        const wallClockMs = wallClockSec * SECOND_MS;
        const utcMs = instantOfWallClock(wallClockMs, timeZone);
        expect(wallClockAt(utcMs, timeZone)).toBeGreaterThanOrEqual(wallClockMs);
        expect(wallClockAt(utcMs - SECOND_MS, timeZone)).toBeLessThan(wallClockMs);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives back an instant from its wall clock, or the earlier instant showing the same time', () => {
    fc.assert(
      fc.property(zone, seconds, (timeZone, utcSec) => {
        const utcMs = utcSec * SECOND_MS;
        const back = instantOfWallClock(wallClockAt(utcMs, timeZone), timeZone);
        expect(back).toBeLessThanOrEqual(utcMs);
        expect(wallClockAt(back, timeZone)).toBe(wallClockAt(utcMs, timeZone));
        if (back !== utcMs) expect(localTimeResolver(timeZone)(wallClockAt(utcMs, timeZone)).kind).toBe('ambiguous');
      }),
      { numRuns: 2000 },
    );
  });
});
