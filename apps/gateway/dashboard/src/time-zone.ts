// What the dashboard needs of a zone beyond @meterusage/time: whether this browser can do its
// arithmetic at all, and the browser's own zone as the default.

/** Whether the browser knows the zone (a URL may carry anything). */
export function browserKnowsTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The browser's IANA zone, the default of tz. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}
