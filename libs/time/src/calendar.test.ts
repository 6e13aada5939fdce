import { addCalendarUnits, calendarUnitAt, isStartOfLocalDay, startOfCalendarUnit } from './calendar';

const wall = (iso: string) => Date.parse(`${iso}Z`);
const utc = (iso: string) => Date.parse(iso);

describe('startOfCalendarUnit and addCalendarUnits', () => {
  it('find the local day, the ISO week from Monday and the month, and step by whole units', () => {
    const thursday = wall('2019-01-17T15:45:00');
    expect(startOfCalendarUnit('day', thursday)).toBe(wall('2019-01-17T00:00:00'));
    expect(startOfCalendarUnit('week', thursday)).toBe(wall('2019-01-14T00:00:00'));
    expect(startOfCalendarUnit('month', thursday)).toBe(wall('2019-01-01T00:00:00'));
    expect(addCalendarUnits('day', thursday, -17)).toBe(wall('2018-12-31T00:00:00'));
    expect(addCalendarUnits('week', thursday, 1)).toBe(wall('2019-01-21T00:00:00'));
    expect(addCalendarUnits('month', wall('2019-01-31T00:00:00'), 1)).toBe(wall('2019-02-01T00:00:00'));
    expect(addCalendarUnits('month', thursday, -13)).toBe(wall('2017-12-01T00:00:00'));
  });
});

describe('calendarUnitAt', () => {
  it('gives the local day, week or month holding an instant, 23 hours on a spring-change day', () => {
    expect(calendarUnitAt('day', utc('2019-03-31T12:00:00Z'), 'Europe/Amsterdam')).toEqual({
      startMs: utc('2019-03-30T23:00:00Z'),
      endMs: utc('2019-03-31T22:00:00Z'),
    });
    expect(calendarUnitAt('week', utc('2019-01-17T12:00:00Z'), 'UTC')).toEqual({ startMs: utc('2019-01-14T00:00:00Z'), endMs: utc('2019-01-21T00:00:00Z') });
    expect(calendarUnitAt('month', utc('2019-02-28T23:30:00Z'), 'Europe/Amsterdam')).toEqual({
      startMs: utc('2019-02-28T23:00:00Z'),
      endMs: utc('2019-03-31T22:00:00Z'),
    });
  });

  it('starts a day whose midnight was skipped at the jump', () => {
    // Sao Paulo jumped from 2018-11-04 00:00 to 01:00.
    expect(calendarUnitAt('day', utc('2018-11-04T12:00:00Z'), 'America/Sao_Paulo').startMs).toBe(utc('2018-11-04T03:00:00Z'));
  });
});

describe('isStartOfLocalDay', () => {
  it('holds for local midnight and the jump that replaced it, not for other times', () => {
    expect(isStartOfLocalDay(utc('2018-12-31T23:00:00Z'), 'Europe/Amsterdam')).toBe(true);
    expect(isStartOfLocalDay(utc('2019-01-01T00:00:00Z'), 'Europe/Amsterdam')).toBe(false);
    expect(isStartOfLocalDay(utc('2018-11-04T03:00:00Z'), 'America/Sao_Paulo')).toBe(true);
  });
});
