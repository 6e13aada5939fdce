import { operatingHoursOf } from './operating-hours-param';

describe('operatingHoursOf', () => {
  it('reads weekdays, ranges (wrapping too) and times', () => {
    expect(operatingHoursOf('mon-fri 07:00-19:00; sat 09:00-13:00')).toEqual([
      { isoWeekdays: [1, 2, 3, 4, 5], fromMinute: 420, toMinute: 1140 },
      { isoWeekdays: [6], fromMinute: 540, toMinute: 780 },
    ]);
    expect(operatingHoursOf('FRI-Mon 00:00-24:00')).toEqual([{ isoWeekdays: [1, 5, 6, 7], fromMinute: 0, toMinute: 1440 }]);
    expect(operatingHoursOf('mon,wed-thu 08:30-17:15')).toEqual([{ isoWeekdays: [1, 3, 4], fromMinute: 510, toMinute: 1035 }]);
    expect(operatingHoursOf(undefined)).toEqual([]);
  });

  it.each([
    ['', 'schedule: names no hours'],
    ['mon-fri', 'entry "mon-fri": must be weekdays and a time span'],
    ['mon 19:00-07:00', 'entry "mon 19:00-07:00": the end must be after the start'],
    ['mon 24:00-24:00', 'entry "mon 24:00-24:00": 24:00 is not a time of day (00:00 to 23:59)'],
    ['mon 07:60-08:00', 'entry "mon 07:60-08:00": 07:60 is not a time of day'],
    ['mo 07:00-08:00', 'entry "mo 07:00-08:00": "mo" is not a weekday'],
    ['mon-tue-wed 07:00-08:00', '"mon-tue-wed" is not a weekday or a range'],
  ])('refuses %j, naming the entry and why', (text, message) => {
    expect(() => operatingHoursOf(text)).toThrow(message);
  });
});
