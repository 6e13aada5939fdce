/** How a local wall-clock time maps to UTC in a time zone. */
export type LocalTimeResolution =
  | { kind: 'exact'; utcMs: number }
  /** The wall-clock time does not exist: clocks jumped over it (spring DST gap). */
  | { kind: 'gap' }
  /** The wall-clock time happened twice (autumn DST overlap). */
  | { kind: 'ambiguous'; earlierUtcMs: number; laterUtcMs: number };

const HOUR_MS = 3_600_000;

/**
 * Returns a converter from wall-clock milliseconds (the local fields encoded as if they were UTC,
 * i.e. Date.UTC(year, month, …)) to UTC instants in timeZone, telling gaps and overlaps apart.
 */
export function localTimeResolver(timeZone: string): (wallClockMs: number) => LocalTimeResolution {
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return (wallClockMs) => ({ kind: 'exact', utcMs: wallClockMs });
  const offsetAt = utcOffsetFinder(timeZone);
  return (wallClockMs) => {
    // A DST change moves the offset by at most a few hours, so the offsets in force half a day
    // either side are the only candidates; each is kept if it maps back to this wall-clock time.
    const candidates = new Set([offsetAt(wallClockMs - 12 * HOUR_MS), offsetAt(wallClockMs + 12 * HOUR_MS)]);
    const instants = [...candidates]
      .map((offsetMs) => wallClockMs - offsetMs)
      .filter((utcMs) => utcMs + offsetAt(utcMs) === wallClockMs)
      .sort((a, b) => a - b);
    if (instants.length === 0) return { kind: 'gap' };
    if (instants.length === 1) return { kind: 'exact', utcMs: instants[0]! };
    return { kind: 'ambiguous', earlierUtcMs: instants[0]!, laterUtcMs: instants[instants.length - 1]! };
  };
}

/** offsetAt(utcMs) = local wall clock minus UTC at that instant, in milliseconds, exact to the second (LMT offsets have seconds). */
export function utcOffsetFinder(timeZone: string): (utcMs: number) => number {
  // "GMT+05:45", "GMT-03:30", "GMT+00:17:30" or "GMT": the offset is all this format prints that we need.
  const format = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset', year: 'numeric' });
  return (utcMs) => {
    const text = format.format(utcMs);
    const match = /GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
    if (match === null) throw new Error(`unexpected offset format "${text}" for ${timeZone}`);
    if (match[1] === undefined) return 0;
    const magnitude = (Number(match[2]) * 3600 + Number(match[3]) * 60 + Number(match[4] ?? 0)) * 1000;
    return match[1] === '-' ? -magnitude : magnitude;
  };
}

/** Date.UTC without its quirk: years 0-99 stay years 0-99 (Date.UTC(99, 0) is 1999). */
function utcMsOf(year: number, monthIndex: number, day: number, hour = 0, minute = 0, second = 0): number {
  const date = new Date(Date.UTC(2000, 0, 1, hour, minute, second));
  date.setUTCFullYear(year, monthIndex, day);
  return date.getTime();
}

/**
 * The instant a local calendar date starts in timeZone ("2019-03-31" → its local midnight).
 * Where midnight itself is skipped by a DST change, the day starts at the first valid minute
 * after it; where it happens twice, at the earlier one. Returns undefined for an invalid date.
 */
export function startOfLocalDate(isoDate: string, timeZone: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (match === null) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const wallClockMs = utcMsOf(year, month - 1, day);
  const check = new Date(wallClockMs);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  const resolve = localTimeResolver(timeZone);
  for (let minutes = 0; minutes <= 180; minutes += 1) {
    const resolution = resolve(wallClockMs + minutes * 60_000);
    if (resolution.kind === 'exact') return resolution.utcMs;
    if (resolution.kind === 'ambiguous') return resolution.earlierUtcMs;
  }
  return undefined;
}
