import fc from 'fast-check';
import { plainWallClockMs } from '@meterusage/time';
import { ReadingValidator, type ValidReading } from './reading-validator';
import type { RowError } from './row-error';

// Property tests: whatever a time or value field holds, the validator gives a reading or a precise
// error for that line and field, never an exception; the arithmetic time parse agrees with Date.UTC.

function validatorAfterHeader(timeZone: string): ReadingValidator {
  const validator = new ReadingValidator({ meterId: undefined, defaultMeterId: 'm1', timeZone, timingOf: () => ({ intervalSeconds: 900, timeLabel: 'end' }) });
  validator.accept({ line: 1, fields: ['time', 'meterusage'] });
  return validator;
}

const pad = (value: number, width: number) => String(value).padStart(width, '0');
const timeText = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc
    .tuple(
      fc.integer({ min: 0, max: 9999 }),
      fc.integer({ min: 0, max: 13 }),
      fc.integer({ min: 0, max: 32 }),
      fc.constantFrom(' ', 'T', 't', '_'),
      fc.integer({ min: 0, max: 24 }),
      fc.constantFrom(0, 15, 30, 45, 60, 7),
      fc.constantFrom(0, 0, 59, 60),
      fc.constantFrom('', 'Z', '+01:00', '-0530', '+25:00', '.5'),
    )
    .map(
      ([year, month, day, separator, hour, minute, second, suffix]) =>
        `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}${separator}${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}${suffix}`,
    ),
);
const valueText = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('', 'NaN', 'nan', '1.5', '+2', '-3', '.5', '1.', '1e3', '1.2.3', ' 4 '));

describe('ReadingValidator properties', () => {
  it.each(['UTC', 'Europe/Amsterdam'])('gives a reading or a {line, field, reason} error for any time and value (%s)', (timeZone) => {
    fc.assert(
      fc.property(timeText, valueText, (time, value) => {
        const outcome = validatorAfterHeader(timeZone).accept({ line: 2, fields: [time, value] }) as ValidReading | RowError;
        if ('field' in outcome) {
          expect(outcome.line).toBe(2);
          expect(['time', 'meterusage', 'row']).toContain(outcome.field);
          expect(outcome.reason.length).toBeGreaterThan(0);
        } else {
          expect(outcome.line).toBe(2);
          expect(Number.isInteger(outcome.startMs) && outcome.startMs % 900_000 === 0).toBe(true);
          expect(outcome.usage === null || /^[0-9.eE+-]+$/.test(outcome.usage)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('reads "YYYY-MM-DD HH:MM:SS" arithmetically exactly as Date.UTC does, and leaves every other text to the regular expression', () => {
    fc.assert(
      fc.property(timeText, (time) => {
        const fast = plainWallClockMs(time);
        const match = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})$/.exec(time);
        if (match === null) return expect(fast).toBeNaN();
        const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
        const utc = Date.UTC(year, month - 1, day, hour, minute, second);
        const check = new Date(utc);
        const valid =
          check.getUTCFullYear() === year &&
          check.getUTCMonth() === month - 1 &&
          check.getUTCDate() === day &&
          check.getUTCHours() === hour &&
          check.getUTCMinutes() === minute &&
          second <= 59;
        if (valid) expect(fast).toBe(utc);
        else expect(fast).toBeNaN();
      }),
      { numRuns: 5000 },
    );
  });
});
