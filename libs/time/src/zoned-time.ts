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

/** offsetAt(utcMs) = local wall-clock minus UTC at that instant, in milliseconds; cached per minute. */
function utcOffsetFinder(timeZone: string): (utcMs: number) => number {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const cache = new Map<number, number>();
  return (utcMs) => {
    const minute = Math.floor(utcMs / 60_000);
    const cached = cache.get(minute);
    if (cached !== undefined) return cached;
    const fields: Record<string, number> = {};
    for (const part of format.formatToParts(minute * 60_000)) {
      if (part.type !== 'literal') fields[part.type] = Number(part.value);
    }
    const wallClock = utcMsOf(fields.year!, fields.month! - 1, fields.day!, fields.hour!, fields.minute!, fields.second!);
    const offset = wallClock - minute * 60_000;
    if (cache.size > 100_000) cache.clear();
    cache.set(minute, offset);
    return offset;
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

/**
 * Whether timeZone's UTC offset is a whole number of hours throughout [startMs, endMs], i.e.
 * local hours, days, weeks and months all start on a UTC hour there. Sampled daily and at both
 * ends: DST changes last months, so a daily sample sees every offset in force.
 */
export function hasWholeHourOffsets(timeZone: string, startMs: number, endMs: number): boolean {
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return true;
  const offsetAt = utcOffsetFinder(timeZone);
  const day = 24 * HOUR_MS;
  for (let ms = startMs; ; ms = Math.min(ms + day, endMs)) {
    if (offsetAt(ms) % HOUR_MS !== 0) return false;
    if (ms >= endMs) return true;
  }
}
