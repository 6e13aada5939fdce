import { startAppStack, type AppStack } from './support/app-stack';

// Issue #10 items 5 and 7 through the HTTP API: one zone list on both sides (no tz gives a 5xx),
// and edge buckets that show their true counts.
describe('time zones and bucket edges over a real grpc-server and PostgreSQL', () => {
  let stack: AppStack;
  const get = (url: string) => stack.app.inject({ method: 'GET', url });

  beforeAll(async () => {
    stack = await startAppStack('gateway_zones');
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('grpc-server checked the zone list against PostgreSQL at start-up', async () => {
    const line = await stack.grpcServer.waitForLog((logged) => /time zones accepted|time zones the database does not know/.test(String(logged.msg)), 5_000);
    expect(line.accepted).toBeGreaterThan(500);
  });

  it.each([
    ['usage', '/api/usage?bucket=day&tz=US/Pacific-New'],
    ['summary', '/api/summary?tz=US/Pacific-New'],
    ['readings', '/api/readings?tz=US/Pacific-New'],
    ['export', '/api/export?tz=US/Pacific-New'],
    ['usage with a zone only PostgreSQL knows', '/api/usage?tz=Factory'],
    ['usage with a POSIX zone string', '/api/usage?tz=EST5EDT,M3.2.0,M11.1.0'],
  ])('refuses a zone off the shared list with 400 naming tz (%s), never a 5xx', async (_route, url) => {
    const response = await get(url);
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/^tz: ".*" is not an IANA time zone/) });
  });

  it('lists the accepted zones at /api/time-zones: the fractional and 30-minute ones, none that only one side knows', async () => {
    const response = await get('/api/time-zones');
    expect(response.statusCode).toBe(200);
    const { timeZones } = response.json<{ timeZones: string[] }>();
    expect(timeZones.length).toBeGreaterThan(500);
    expect(timeZones).toEqual([...timeZones].sort());
    expect(timeZones).toEqual(expect.arrayContaining(['UTC', 'Europe/Amsterdam', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Pacific/Chatham', 'Asia/Calcutta']));
    expect(timeZones.filter((name) => ['US/Pacific-New', 'Factory', 'localtime', 'posixrules'].includes(name) || name.startsWith('posix/'))).toEqual([]);
    expect((await get('/api/time-zones?tz=UTC')).statusCode).toBe(400);
  });

  it('refuses an upload whose tz is off the list with 400 and writes nothing', async () => {
    const response = await stack.post('meter=zone-upload&tz=US/Pacific-New', 'time,meterusage\n2019-01-01 00:15:00,1\n');
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toMatch(/^tz: "US\/Pacific-New" is not an IANA time zone/);
    const { rows } = await stack.client.query(`select count(*)::int as count from meters where meter_id = 'zone-upload'`);
    expect(rows[0].count).toBe(0);
  });

  it('serves buckets in every kind of zone the list holds, including 30-minute DST and skipped days', async () => {
    for (const tz of ['Australia/Lord_Howe', 'Asia/Kathmandu', 'Pacific/Apia', 'Pacific/Chatham', 'Australia/Eucla', 'Asia/Calcutta']) {
      const response = await get(`/api/usage?bucket=hour&tz=${encodeURIComponent(tz)}&from=2019-01-10&to=2019-01-11`);
      expect([tz, response.statusCode]).toEqual([tz, 200]);
      expect(response.json().buckets.length).toBeGreaterThanOrEqual(23);
    }
  });

  it('snaps an omitted range outward: the last Amsterdam day is 3 of 96 intervals, not 3 of 3 (issue #10 item 7)', async () => {
    const response = await get('/api/usage?bucket=day&tz=Europe/Amsterdam');
    expect(response.statusCode).toBe(200);
    const { buckets } = response.json<{ buckets: Array<{ start: string; end: string; presentCount: number; expectedCount: number; clipped: boolean }> }>();
    expect(buckets).toHaveLength(32);
    expect(buckets[0]).toMatchObject({ start: '2018-12-31T23:00:00Z', end: '2019-01-01T23:00:00Z', presentCount: 92, expectedCount: 96, clipped: false });
    expect(buckets[31]).toMatchObject({ start: '2019-01-31T23:00:00Z', end: '2019-02-01T23:00:00Z', presentCount: 3, expectedCount: 96, clipped: false });
  });

  it('prints clipped on every bucket, true where from or to cuts it (fields without presence are always printed)', async () => {
    const response = await get('/api/usage?bucket=day&tz=UTC&from=2019-01-10T06:00:00Z&to=2019-01-12T18:00:00Z');
    expect(
      response.json().buckets.map((bucket: { start: string; expectedCount: number; clipped: boolean }) => [bucket.start, bucket.expectedCount, bucket.clipped]),
    ).toEqual([
      ['2019-01-10T00:00:00Z', 72, true],
      ['2019-01-11T00:00:00Z', 96, false],
      ['2019-01-12T00:00:00Z', 72, true],
    ]);
  });
});
