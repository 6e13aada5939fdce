import type { OperatingHours, ScheduleSplit } from '@meterusage/contracts';
import { InvalidArgumentError } from '../errors';

// A site's weekly operating hours, as GetUsageSummary takes them: entries of ISO weekdays and a
// stretch of the local clock [from_minute, to_minute). An interval is inside when its local start
// falls in any entry (so the hour an autumn DST change repeats counts twice, on its one clock
// time, and the hour a spring change skips holds no interval).

/** Most entries one request may give. */
export const MAX_OPERATING_HOURS = 50;

/** The hours as columns, one row per weekday of each entry (what the SQL unnests). */
export interface OperatingSchedule {
  isoWeekdays: number[];
  fromMinutes: number[];
  toMinutes: number[];
}

/** Checks the requested hours; undefined when there are none. Every refusal names the entry. */
export function operatingScheduleOf(hours: readonly OperatingHours[]): OperatingSchedule | undefined {
  if (hours.length === 0) return undefined;
  if (hours.length > MAX_OPERATING_HOURS) throw new InvalidArgumentError('operating_hours', `at most ${MAX_OPERATING_HOURS} entries, got ${hours.length}`);
  const schedule: OperatingSchedule = { isoWeekdays: [], fromMinutes: [], toMinutes: [] };
  hours.forEach((entry, index) => {
    const refuse = (reason: string) => new InvalidArgumentError('operating_hours', `entry ${index + 1}: ${reason}`);
    if (entry.isoWeekdays.length === 0) throw refuse('names no weekday (iso_weekdays: 1 is Monday, 7 Sunday)');
    for (const day of entry.isoWeekdays) if (!Number.isInteger(day) || day < 1 || day > 7) throw refuse(`weekday ${day} is not 1 (Monday) to 7 (Sunday)`);
    if (entry.fromMinute < 0 || entry.fromMinute > 1439) throw refuse(`from_minute must be 0 to 1439, got ${entry.fromMinute}`);
    if (entry.toMinute <= entry.fromMinute || entry.toMinute > 1440) {
      throw refuse(`to_minute must be after from_minute (${entry.fromMinute}) and at most 1440, got ${entry.toMinute}`);
    }
    for (const day of new Set(entry.isoWeekdays)) {
      schedule.isoWeekdays.push(day);
      schedule.fromMinutes.push(entry.fromMinute);
      schedule.toMinutes.push(entry.toMinute);
    }
  });
  return schedule;
}

/** The split as the contract has it, from the sums and counts the SQL gives. */
export function toScheduleSplit(row: { inside_total: number; outside_total: number; inside_count: number; outside_count: number }): ScheduleSplit {
  const all = row.inside_total + row.outside_total;
  return {
    insideTotal: row.inside_total,
    outsideTotal: row.outside_total,
    ...(all === 0 ? {} : { outsideShare: row.outside_total / all }),
    insideCount: row.inside_count,
    outsideCount: row.outside_count,
  };
}
