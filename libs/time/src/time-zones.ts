import { TIME_ZONE_NAMES } from './time-zone-names';

// The one list of zones every side accepts: the generated list (what PostgreSQL and Node both
// know), minus what this process's runtime does not know, minus what narrowTimeZones() removed.
const accepted = new Set(TIME_ZONE_NAMES.filter(knownToRuntime));

function knownToRuntime(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Whether name is a time zone every part of the system accepts (exact IANA spelling, e.g. "Europe/Amsterdam", "UTC"). */
export function isValidTimeZone(name: string): boolean {
  return accepted.has(name);
}

/** Why name was refused as a time zone: the one wording both apps use (the name clipped to 64 characters). */
export function notATimeZone(name: string): string {
  return `"${name.slice(0, 64)}" is not an IANA time zone (e.g. UTC, Europe/Amsterdam)`;
}

/** The accepted zone names, sorted: for start-up checks, tests and documentation. */
export function acceptedTimeZones(): string[] {
  return [...accepted].sort();
}

/**
 * Keeps only the accepted zones that `known` also holds (e.g. a database's zone names, checked at
 * start-up) and returns the names it removed, so the caller can log them.
 */
export function narrowTimeZones(known: Iterable<string>): string[] {
  const keep = new Set(known);
  const removed = [...accepted].filter((name) => !keep.has(name)).sort();
  for (const name of removed) accepted.delete(name);
  return removed;
}
