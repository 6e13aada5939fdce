import { formatWallClock, parsePlainDate } from './wall-clock';

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

const offsetFinders = new Map<string, (utcMs: number) => number>();

/** offsetAt(utcMs) = local wall clock minus UTC at that instant, in milliseconds, exact to the second (LMT offsets have seconds). */
export function utcOffsetFinder(timeZone: string): (utcMs: number) => number {
  const cached = offsetFinders.get(timeZone);
  if (cached !== undefined) return cached;
  // "GMT+05:45", "GMT-03:30", "GMT+00:17:30" or "GMT": the offset is all this format prints that we need.
  const format = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset', year: 'numeric' });
  const offsetAt = (utcMs: number) => {
    const text = format.format(utcMs);
    const match = /GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
    if (match === null) throw new Error(`unexpected offset format "${text}" for ${timeZone}`);
    if (match[1] === undefined) return 0;
    const magnitude = (Number(match[2]) * 3600 + Number(match[3]) * 60 + Number(match[4] ?? 0)) * 1000;
    return match[1] === '-' ? -magnitude : magnitude;
  };
  // One formatter per zone for the life of the process: there are a few hundred zones at most.
  offsetFinders.set(timeZone, offsetAt);
  return offsetAt;
}

/** The local wall clock of timeZone at an instant, as wall-clock milliseconds (read the fields with getUTC…). */
export function wallClockAt(utcMs: number, timeZone: string): number {
  return utcMs + utcOffsetFinder(timeZone)(utcMs);
}

/**
 * The instant a local wall-clock time names in timeZone, by the system's one rule: the first
 * instant at which the local clock reads that time or later. So a time repeated by a DST change
 * (autumn overlap) is its earlier instant, and a time skipped by one (spring gap) is the instant
 * of the jump: 02:30 on a day that jumps from 02:00 to 03:00 is 03:00 after the jump. Bucket
 * boundaries and plain dates follow the same rule, so a day starts where its day bucket does.
 */
export function instantOfWallClock(wallClockMs: number, timeZone: string): number {
  return firstInstantReading(utcOffsetFinder(timeZone), wallClockMs);
}

// Every offset the tz database has ever had lies within ±16 h (Manila's LMT before 1845 was −15:56).
const MAX_OFFSET_MS = 16 * HOUR_MS;
const SECOND_MS = 1000;

/** instantOfWallClock with the zone's offset function given: the first instant at which the local clock reads wallClockMs or later. */
export function firstInstantReading(offsetAt: (utcMs: number) => number, wallClockMs: number): number {
  // Any instant showing wallClockMs lies within ±16 h of it; the offsets in force at both ends,
  // and at the instants they point to, are the only candidates.
  const candidates = new Set([offsetAt(wallClockMs - MAX_OFFSET_MS), offsetAt(wallClockMs + MAX_OFFSET_MS)]);
  for (const offset of [...candidates]) candidates.add(offsetAt(wallClockMs - offset));
  const exact = [...candidates].filter((offset) => offsetAt(wallClockMs - offset) === offset).map((offset) => wallClockMs - offset);
  if (exact.length > 0) return Math.min(...exact);
  // A gap (clocks jumped over wallClockMs): the instant of the jump.
  const offsets = [...candidates];
  const from = wallClockMs - Math.max(...offsets);
  const to = wallClockMs - Math.min(...offsets);
  return firstInstant(from, to, (ms) => ms + offsetAt(ms) >= wallClockMs);
}

/** The first whole second in (fromMs, toMs] at which holds(ms) is true, given that it holds at toMs and not at fromMs. */
export function firstInstant(fromMs: number, toMs: number, holds: (ms: number) => boolean): number {
  let low = fromMs;
  let high = toMs;
  while (high - low > SECOND_MS) {
    const middle = low + Math.floor((high - low) / 2 / SECOND_MS) * SECOND_MS;
    if (holds(middle)) high = middle;
    else low = middle;
  }
  return high;
}

/**
 * The instant a local calendar date starts in timeZone ("2019-03-31" → its local midnight), by
 * instantOfWallClock's rule: where midnight is skipped by a DST change the day starts at the
 * jump, where it happens twice at the earlier one. Returns undefined for an invalid date.
 */
export function startOfLocalDate(isoDate: string, timeZone: string): number | undefined {
  const midnight = parsePlainDate(isoDate);
  return midnight === undefined ? undefined : instantOfWallClock(midnight, timeZone);
}

/**
 * "2019-01-17T03:30:00+01:00" (or …Z at offset zero): an instant written as RFC 3339 in timeZone's
 * local time. An offset with seconds (local mean time before ~1900) has no RFC 3339 form, so such
 * an instant is written in UTC instead.
 */
export function formatInstantInZone(utcMs: number, timeZone: string): string {
  const offsetMs = utcOffsetFinder(timeZone)(utcMs);
  const wholeSeconds = Math.floor(utcMs / 1000) * 1000;
  if (offsetMs === 0 || offsetMs % 60_000 !== 0) return `${formatWallClock(wholeSeconds)}Z`;
  const minutes = Math.abs(offsetMs) / 60_000;
  const offset = `${offsetMs < 0 ? '-' : '+'}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  return `${formatWallClock(wholeSeconds + offsetMs)}${offset}`;
}
