import fc from 'fast-check';
import { autoBucket, BUCKETS, bucketForRange, formatBound, fromDateTimeLocal, parseBound, presetOf, presetRange, shiftRange, toDateTimeLocal } from './ranges';

const utc = (iso: string) => Date.parse(iso);
const AMS = 'Europe/Amsterdam';

describe('BUCKETS', () => {
  it('lists the API bucket widths finest first', () => {
    expect(BUCKETS.map((bucket) => bucket.id)).toEqual(['15m', 'hour', 'day', 'week', 'month']);
  });
});

describe('autoBucket and bucketForRange', () => {
  it('picks 15 minutes for a month and days for a year', () => {
    expect(autoBucket(31 * 86_400_000)).toBe('15m');
    expect(autoBucket(365 * 86_400_000)).toBe('day');
    expect(autoBucket(0)).toBe('15m');
  });

  it('keeps a chosen width while it gives 7 to 40,000 buckets, else picks one', () => {
    expect(bucketForRange('hour', 31 * 86_400_000)).toBe('hour');
    expect(bucketForRange('month', 31 * 86_400_000)).toBe('15m');
    expect(bucketForRange('nonsense', 31 * 86_400_000)).toBe('15m');
    expect(bucketForRange(undefined, 365 * 86_400_000)).toBe('day');
  });
});

describe('formatBound and parseBound', () => {
  it('writes a local midnight as a plain date and any other instant as RFC 3339 in the zone', () => {
    expect(formatBound(utc('2018-12-31T23:00:00Z'), AMS)).toBe('2019-01-01');
    expect(formatBound(utc('2019-01-01T00:00:00Z'), AMS)).toBe('2019-01-01T01:00:00+01:00');
  });

  it('reads a plain date as local midnight and a timestamp as written, like the API', () => {
    expect(parseBound('2019-01-01', AMS)).toBe(utc('2018-12-31T23:00:00Z'));
    expect(parseBound('2019-01-01T01:00:00+01:00', AMS)).toBe(utc('2019-01-01T00:00:00Z'));
    expect(parseBound('2019-02-30', AMS)).toBeUndefined();
    expect(parseBound('soon', AMS)).toBeUndefined();
    expect(parseBound('2019-01-01T01:00:00', AMS)).toBeUndefined();
    expect(parseBound('2019-01-01T01:00:00.250Z', AMS)).toBe(utc('2019-01-01T01:00:00.250Z'));
    expect(parseBound(undefined, AMS)).toBeUndefined();
  });

  it('round-trips every bound it writes', () => {
    for (const ms of [utc('2019-03-30T23:00:00Z'), utc('2019-03-31T01:00:00Z'), utc('2019-10-27T00:30:00Z')])
      expect(parseBound(formatBound(ms, AMS), AMS)).toBe(ms);
  });
});

describe('toDateTimeLocal and fromDateTimeLocal', () => {
  it('show an instant as the zone local time in the input format, and read it back', () => {
    expect(toDateTimeLocal(utc('2019-01-17T02:30:00Z'), AMS)).toBe('2019-01-17T03:30');
    expect(fromDateTimeLocal('2019-01-17T03:30', AMS)).toBe(utc('2019-01-17T02:30:00Z'));
    expect(fromDateTimeLocal('', AMS)).toBeUndefined();
  });

  it('reads a skipped local time as the jump and a repeated one as its earlier instant (libs/time rule)', () => {
    expect(fromDateTimeLocal('2019-03-31T02:30', AMS)).toBe(utc('2019-03-31T01:00:00Z'));
    expect(fromDateTimeLocal('2019-10-27T02:30', AMS)).toBe(utc('2019-10-27T00:30:00Z'));
  });
});

describe('presetRange and presetOf', () => {
  it('give the local day, ISO week and month holding an instant', () => {
    const instant = utc('2019-03-31T12:00:00Z');
    expect(presetRange('day', instant, AMS)).toEqual({ fromMs: utc('2019-03-30T23:00:00Z'), toMs: utc('2019-03-31T22:00:00Z') });
    expect(presetRange('week', instant, AMS)).toEqual({ fromMs: utc('2019-03-24T23:00:00Z'), toMs: utc('2019-03-31T22:00:00Z') });
    expect(presetRange('month', instant, AMS)).toEqual({ fromMs: utc('2019-02-28T23:00:00Z'), toMs: utc('2019-03-31T22:00:00Z') });
  });

  it('recognise a preset range and nothing else', () => {
    expect(presetOf(utc('2019-02-28T23:00:00Z'), utc('2019-03-31T22:00:00Z'), AMS)).toBe('month');
    expect(presetOf(utc('2019-03-30T23:00:00Z'), utc('2019-03-31T22:00:00Z'), AMS)).toBe('day');
    expect(presetOf(utc('2019-03-30T23:00:00Z'), utc('2019-04-01T22:00:00Z'), AMS)).toBeUndefined();
  });
});

describe('shiftRange', () => {
  it('steps a month range by calendar months', () => {
    expect(shiftRange(utc('2019-02-28T23:00:00Z'), utc('2019-03-31T22:00:00Z'), 1, AMS)).toEqual({
      fromMs: utc('2019-03-31T22:00:00Z'),
      toMs: utc('2019-04-30T22:00:00Z'),
    });
    expect(shiftRange(utc('2019-01-01T00:00:00Z'), utc('2019-03-01T00:00:00Z'), -1, 'UTC')).toEqual({
      fromMs: utc('2018-11-01T00:00:00Z'),
      toMs: utc('2019-01-01T00:00:00Z'),
    });
  });

  it('steps a day range by calendar days, keeping midnight across a DST change', () => {
    expect(shiftRange(utc('2019-03-30T23:00:00Z'), utc('2019-03-31T22:00:00Z'), -1, AMS)).toEqual({
      fromMs: utc('2019-03-29T23:00:00Z'),
      toMs: utc('2019-03-30T23:00:00Z'),
    });
  });

  it('steps any other range by its duration', () => {
    expect(shiftRange(utc('2019-01-17T02:30:00Z'), utc('2019-01-17T04:00:00Z'), 1, AMS)).toEqual({
      fromMs: utc('2019-01-17T04:00:00Z'),
      toMs: utc('2019-01-17T05:30:00Z'),
    });
  });
});

describe('formatBound and parseBound (property)', () => {
  // Zones with DST gaps and overlaps, midnight skipped (Sao Paulo, Santiago), a skipped day
  // (Apia), 30-minute changes (Lord Howe) and local mean time with seconds (Kolkata before 1941).
  const zone = fc.constantFrom('UTC', 'Europe/Amsterdam', 'America/Sao_Paulo', 'America/Santiago', 'Pacific/Apia', 'Australia/Lord_Howe', 'Asia/Kolkata');
  const seconds = fc.integer({ min: Date.parse('1890-01-01T00:00:00Z') / 1000, max: Date.parse('2040-01-01T00:00:00Z') / 1000 });
  const dayStarts = fc.tuple(zone, seconds).map(([timeZone, utcSec]) => [timeZone, presetRange('day', utcSec * 1000, timeZone).fromMs] as const);

  it('reads back every instant it writes, whole seconds in any zone', () => {
    fc.assert(
      fc.property(zone, seconds, (timeZone, utcSec) => {
        expect(parseBound(formatBound(utcSec * 1000, timeZone), timeZone)).toBe(utcSec * 1000);
      }),
      { numRuns: 1000 },
    );
  });

  it('writes the start of every local day as a plain date', () => {
    fc.assert(
      fc.property(dayStarts, ([timeZone, startMs]) => {
        expect(formatBound(startMs, timeZone)).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      }),
      { numRuns: 500 },
    );
  });
});
