import pino from 'pino';
import { acceptedTimeZones, isValidTimeZone } from '@meterusage/time';
import { checkTimeZones } from '../src/usage/time-zone-check';
import { listDatabaseTimeZones } from '../src/usage/time-zones.repository';
import { openMigratedDatabase, type MigratedDatabase } from './support/database';

describe('start-up time-zone check against PostgreSQL', () => {
  let handle: MigratedDatabase;
  const logged: Array<{ level: number; msg: string }> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => logged.push(JSON.parse(line) as { level: number; msg: string }) });

  beforeAll(async () => {
    handle = await openMigratedDatabase('zone_check');
  }, 60_000);
  afterAll(async () => {
    await handle?.close();
  });

  it('keeps every listed zone this PostgreSQL knows, and says how many', async () => {
    const databaseZones = new Set(await listDatabaseTimeZones(handle.database.db));
    const before = acceptedTimeZones();
    await checkTimeZones(handle.database.db, 'Europe/Amsterdam', logger);
    expect(acceptedTimeZones()).toEqual(before.filter((name) => databaseZones.has(name)));
    expect(logged.map((line) => line.msg)).toContainEqual(
      expect.stringMatching(/^\d{3} time zones accepted|time zones the database does not know are refused/),
    );
    // The list never holds a name only one side knows.
    expect(databaseZones.has('US/Pacific-New')).toBe(false);
    expect(isValidTimeZone('US/Pacific-New')).toBe(false);
  });

  it('stops the start when the default CSV zone is not on the list', async () => {
    await expect(checkTimeZones(handle.database.db, 'US/Pacific-New', logger)).rejects.toThrow(
      'CSV_TIMEZONE "US/Pacific-New" is not a time zone the database knows',
    );
  });
});
