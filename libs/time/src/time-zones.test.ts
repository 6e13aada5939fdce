import { acceptedTimeZones, isValidTimeZone, narrowTimeZones } from './time-zones';

describe('isValidTimeZone', () => {
  it('accepts the zones PostgreSQL and the runtime both know, in their exact spelling', () => {
    expect(isValidTimeZone('Europe/Amsterdam')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Asia/Calcutta')).toBe(true);
    expect(isValidTimeZone('Australia/Lord_Howe')).toBe(true);
  });

  it('refuses names only one side knows, misspellings and non-zones', () => {
    // Intl still knows US/Pacific-New (a link to America/Los_Angeles); PostgreSQL 15's tzdata no longer does.
    expect(isValidTimeZone('US/Pacific-New')).toBe(false);
    // PostgreSQL knows these, Intl does not.
    expect(isValidTimeZone('Factory')).toBe(false);
    expect(isValidTimeZone('posix/Europe/Amsterdam')).toBe(false);
    expect(isValidTimeZone('europe/amsterdam')).toBe(false);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidTimeZone('+05:30')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });
});

describe('narrowTimeZones', () => {
  it('drops the accepted zones another party does not know and reports them', () => {
    const before = acceptedTimeZones();
    expect(before.length).toBeGreaterThan(500);
    const known = before.filter((name) => name !== 'Europe/Kyiv' && name !== 'America/Ciudad_Juarez');
    expect(narrowTimeZones([...known, 'Not/Listed'])).toEqual(['America/Ciudad_Juarez', 'Europe/Kyiv']);
    expect(isValidTimeZone('Europe/Kyiv')).toBe(false);
    expect(isValidTimeZone('Not/Listed')).toBe(false);
    expect(acceptedTimeZones()).toEqual(known);
  });
});
