import fc from 'fast-check';
import { bucketBoundaries, type BucketWidthName } from './buckets';
import { alignBuckets, comparedRange, comparisonShift, type ComparisonName } from './comparison';
import { instantOfWallClock, startOfLocalDate } from './zoned-time';

// Alignment against an independent model: the local fields of every bucket start as
// Intl.DateTimeFormat prints them. A requested bucket's counterpart must be the compared bucket
// whose printed local position (the date for buckets starting at midnight, else date and time)
// is the requested one's moved back (a year, or the range's length in months or days), the
// n-th such bucket for the n-th requested one (a repeated autumn hour), and none when the
// compared period has no such position.

const ZONES = ['UTC', 'Europe/Amsterdam', 'America/New_York', 'Australia/Lord_Howe', 'America/Santiago', 'Asia/Kolkata'];

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();
function fieldsOf(utcMs: number, timeZone: string): Fields {
  let format = formats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(utcMs).map((part) => [part.type, Number(part.value)]));
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute! };
}

/** Days since the epoch of a civil date (no time zone involved). */
const dayNumber = (fields: Fields) => Date.UTC(fields.year, fields.month - 1, fields.day) / 86_400_000;

describe('period comparison alignment', () => {
  const scenario = fc.record({
    timeZone: fc.constantFrom(...ZONES),
    name: fc.constantFrom<ComparisonName>('previous_year', 'previous_period'),
    width: fc.constantFrom<BucketWidthName>('day', 'hour', 'day', 'month'),
    // Starting dates around leap days, month ends and DST changes: any day of 2020–2025.
    startDay: fc.integer({ min: Date.UTC(2020, 0, 1) / 86_400_000, max: Date.UTC(2025, 11, 31) / 86_400_000 }),
    length: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 20, max: 62 })),
    wholeMonths: fc.boolean(),
    // A range from and to the same local clock time other than midnight: a clock-time shift.
    hour: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 23 })),
  });

  it('matches each bucket with the one at the same local calendar position, across leap days, month ends and DST', () => {
    fc.assert(
      fc.property(scenario, ({ timeZone, name, width, startDay, length, wholeMonths, hour }) => {
        const first = new Date(startDay * 86_400_000);
        const startDate = wholeMonths ? new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), 1)) : first;
        const endDate = wholeMonths
          ? new Date(Date.UTC(startDate.getUTCFullYear(), startDate.getUTCMonth() + Math.ceil(length / 20), 1))
          : new Date(startDate.getTime() + (width === 'hour' ? Math.min(length, 3) : length) * 86_400_000);
        const clock = !wholeMonths && hour > 0;
        const at = (date: Date) => (clock ? instantOfWallClock(date.getTime() + hour * 3_600_000, timeZone) : startOfLocalDate(iso(date), timeZone)!);
        const range = { startMs: at(startDate), endMs: at(endDate) };
        const shift = comparisonShift(name, range, timeZone);
        const compared = comparedRange(shift, range, timeZone);
        const requestedStarts = bucketBoundaries(timeZone, width, range.startMs, range.endMs).slice(0, -1);
        const comparedStarts = compared.endMs > compared.startMs ? bucketBoundaries(timeZone, width, compared.startMs, compared.endMs).slice(0, -1) : [];
        const aligned = alignBuckets(requestedStarts, comparedStarts, shift, timeZone);

        // The model: how far back a position moves, read from the calendar of the range itself.
        const months = name === 'previous_year' ? 12 : wholeMonths ? monthsBetween(startDate, endDate) : 0;
        const days = name === 'previous_period' && !wholeMonths ? Math.round((endDate.getTime() - startDate.getTime()) / 86_400_000) : 0;
        const movedBack = (fields: Fields): Fields | undefined => {
          if (clock && name === 'previous_period') {
            // The local clock time between from and to: the days between the dates (same hour at both ends).
            const date = new Date(Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour, fields.minute) - days * 86_400_000);
            return {
              year: date.getUTCFullYear(),
              month: date.getUTCMonth() + 1,
              day: date.getUTCDate(),
              hour: date.getUTCHours(),
              minute: date.getUTCMinutes(),
            };
          }
          if (days > 0) {
            const date = new Date(Date.UTC(fields.year, fields.month - 1, fields.day) - days * 86_400_000);
            return { ...fields, year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
          }
          const monthNumber = fields.year * 12 + fields.month - 1 - months;
          const moved = { ...fields, year: Math.floor(monthNumber / 12), month: (monthNumber % 12) + 1 };
          const daysInMonth = new Date(Date.UTC(moved.year, moved.month, 0)).getUTCDate();
          return fields.day > daysInMonth ? undefined : moved;
        };
        // Under a clock-time shift every bucket is matched by its local time, midnights too.
        const isDayStart = (utcMs: number) =>
          !(clock && name === 'previous_period') && startOfLocalDate(iso(new Date(dayNumber(fieldsOf(utcMs, timeZone)) * 86_400_000)), timeZone) === utcMs;
        const keyOf = (utcMs: number, fields: Fields = fieldsOf(utcMs, timeZone)) =>
          isDayStart(utcMs) ? `${fields.year}-${fields.month}-${fields.day}` : `${fields.year}-${fields.month}-${fields.day} ${fields.hour}:${fields.minute}`;
        const comparedByKey = new Map<string, number[]>();
        comparedStarts.forEach((utcMs, index) => comparedByKey.set(keyOf(utcMs), [...(comparedByKey.get(keyOf(utcMs)) ?? []), index]));
        const seen = new Map<string, number>();
        const expected = requestedStarts.map((utcMs) => {
          const fields = fieldsOf(utcMs, timeZone);
          const occurrence = seen.get(keyOf(utcMs)) ?? 0;
          seen.set(keyOf(utcMs), occurrence + 1);
          const moved = movedBack(fields);
          if (moved === undefined) return undefined;
          const key = isDayStart(utcMs)
            ? `${moved.year}-${moved.month}-${moved.day}`
            : `${moved.year}-${moved.month}-${moved.day} ${moved.hour}:${moved.minute}`;
          return comparedByKey.get(key)?.[occurrence];
        });
        expect(aligned).toEqual(expected);
        // The compared range is the requested one moved back: its first bucket lines up with the first requested one.
        if (expected[0] !== undefined) expect(expected[0]).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('says what happens to 29 February and to a DST day', () => {
    const amsterdam = 'Europe/Amsterdam';
    const day = (date: string) => startOfLocalDate(date, amsterdam)!;
    // A leap year's February by day against the year before: 29 buckets, the last without a counterpart.
    const february = { startMs: day('2024-02-01'), endMs: day('2024-03-01') };
    const shift = comparisonShift('previous_year', february, amsterdam);
    const compared = comparedRange(shift, february, amsterdam);
    expect(compared).toEqual({ startMs: day('2023-02-01'), endMs: day('2023-03-01') });
    const aligned = alignBuckets(
      bucketBoundaries(amsterdam, 'day', february.startMs, february.endMs).slice(0, -1),
      bucketBoundaries(amsterdam, 'day', compared.startMs, compared.endMs).slice(0, -1),
      shift,
      amsterdam,
    );
    expect(aligned).toHaveLength(29);
    expect(aligned.slice(0, 28)).toEqual([...Array(28).keys()]);
    expect(aligned[28]).toBeUndefined();
    // The 23-hour day of 2024-03-31 by hour against 2023-03-31 (24 hours): 02:00 is missing that day, so 02:00 of the year before goes unmatched.
    const dstDay = { startMs: day('2024-03-31'), endMs: day('2024-04-01') };
    const hourShift = comparisonShift('previous_year', dstDay, amsterdam);
    const hourCompared = comparedRange(hourShift, dstDay, amsterdam);
    const hours = alignBuckets(
      bucketBoundaries(amsterdam, 'hour', dstDay.startMs, dstDay.endMs).slice(0, -1),
      bucketBoundaries(amsterdam, 'hour', hourCompared.startMs, hourCompared.endMs).slice(0, -1),
      hourShift,
      amsterdam,
    );
    expect(hours).toEqual([0, 1, 3, ...Array.from({ length: 20 }, (_, index) => index + 4)]);
    // 29 February alone has nothing a year back: the compared range is empty.
    const leapDay = { startMs: day('2024-02-29'), endMs: day('2024-03-01') };
    const empty = comparedRange(comparisonShift('previous_year', leapDay, amsterdam), leapDay, amsterdam);
    expect(empty.endMs).toBe(empty.startMs);
    // Week buckets move back whole weeks, so Monday stays Monday.
    expect(comparisonShift('previous_period', { startMs: day('2024-03-01'), endMs: day('2024-04-01') }, amsterdam, true)).toEqual({ kind: 'days', count: 35 });
    // From and to at the same clock time: back by that clock time, across the DST change.
    const week = { startMs: Date.parse('2024-03-31T06:00:00+02:00'), endMs: Date.parse('2024-04-07T06:00:00+02:00') };
    expect(comparedRange(comparisonShift('previous_period', week, amsterdam), week, amsterdam)).toEqual({
      startMs: Date.parse('2024-03-24T06:00:00+01:00'),
      endMs: week.startMs,
    });
    // previous_period of a whole month is the month before, whatever its length.
    expect(comparisonShift('previous_period', { startMs: day('2024-03-01'), endMs: day('2024-04-01') }, amsterdam)).toEqual({ kind: 'months', count: 1 });
    expect(comparisonShift('previous_period', { startMs: day('2024-03-05'), endMs: day('2024-03-12') }, amsterdam)).toEqual({ kind: 'days', count: 7 });
  });
});

function iso(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function monthsBetween(start: Date, end: Date): number {
  return (end.getUTCFullYear() - start.getUTCFullYear()) * 12 + end.getUTCMonth() - start.getUTCMonth();
}
