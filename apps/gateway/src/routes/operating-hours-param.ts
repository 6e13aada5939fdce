import type { OperatingHours } from '@meterusage/contracts';
import { BadRequestError } from '../errors';

// The schedule query parameter: a site's weekly operating hours, as people write them,
// "mon-fri 07:00-19:00; sat 09:00-13:00". Entries are separated by ";"; each names weekdays (a
// day, a range that may wrap such as fri-mon, or a comma list of both) and a stretch of the local
// clock HH:MM-HH:MM, end excluded, 24:00 for midnight at the end of the day.

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const MOST_ENTRIES = 50;

export const scheduleParam = {
  type: 'string',
  maxLength: 1000,
  description:
    'Operating hours in tz, e.g. "mon-fri 07:00-19:00; sat 09:00-13:00" (weekdays mon…sun as a day, a range or a comma list; HH:MM-HH:MM, end excluded, 24:00 allowed). ' +
    'The summary then splits its total into what was used inside and outside them (an interval counts by its local start).',
} as const;

/** The hours the parameter names (none when absent); a malformed entry is a 400 naming it. */
export function operatingHoursOf(text: string | undefined): OperatingHours[] {
  if (text === undefined) return [];
  const entries = text
    .split(';')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) throw new BadRequestError('schedule', 'names no hours: write e.g. "mon-fri 07:00-19:00"');
  if (entries.length > MOST_ENTRIES) throw new BadRequestError('schedule', `at most ${MOST_ENTRIES} entries, got ${entries.length}`);
  return entries.map((entry) => {
    const refuse = (reason: string) => new BadRequestError('schedule', `entry "${entry}": ${reason}`);
    const match = /^(\S+)\s+(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(entry);
    if (match === null) throw refuse('must be weekdays and a time span, e.g. "mon-fri 07:00-19:00"');
    const [, days, fromHour, fromMinute, toHour, toMinute] = match;
    const from = minuteOfDay(fromHour!, fromMinute!, false);
    const to = minuteOfDay(toHour!, toMinute!, true);
    if (from === undefined) throw refuse(`${fromHour}:${fromMinute} is not a time of day (00:00 to 23:59)`);
    if (to === undefined) throw refuse(`${toHour}:${toMinute} is not a time of day (00:00 to 24:00)`);
    if (to <= from) throw refuse('the end must be after the start (hours past midnight are a second entry: "fri 22:00-24:00; sat 00:00-06:00")');
    return { isoWeekdays: weekdaysOf(days!, refuse), fromMinute: from, toMinute: to };
  });
}

function minuteOfDay(hours: string, minutes: string, end: boolean): number | undefined {
  const value = Number(hours) * 60 + Number(minutes);
  if (Number(minutes) > 59) return undefined;
  return value < 1440 || (end && value === 1440) ? value : undefined;
}

/** ISO weekdays (1 Monday … 7 Sunday) of "mon-fri", "sat,sun" or "fri-mon". */
function weekdaysOf(text: string, refuse: (reason: string) => Error): number[] {
  const days = new Set<number>();
  for (const item of text.toLowerCase().split(',')) {
    const [first, last, ...rest] = item.split('-');
    const from = DAYS.indexOf(first ?? '');
    const to = last === undefined ? from : DAYS.indexOf(last);
    if (rest.length > 0 || from < 0 || to < 0) throw refuse(`"${item}" is not a weekday or a range of them (mon, tue, wed, thu, fri, sat, sun)`);
    for (let day = from; ; day = (day + 1) % 7) {
      days.add(day + 1);
      if (day === to) break;
    }
  }
  return [...days].sort((a, b) => a - b);
}
