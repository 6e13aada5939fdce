import type { FastifyInstance } from 'fastify';
import type { Client } from 'pg';
import { startAppStack, type AppStack } from './support/app-stack';

// The reproductions of issue #10 items 1, 2, 3, 6 and the sub-second time, through the gateway and
// a real grpc-server on PostgreSQL: each asserts the status, the message and the rows before and after.

const MAX_NEW_METERS = 5;

describe('POST /api/readings: the upload reproductions of issue #10', () => {
  let stack: AppStack;
  let app: FastifyInstance;
  let client: Client;

  beforeAll(async () => {
    stack = await startAppStack('gateway_ingest_trust', { env: { MAX_NEW_METERS_PER_UPLOAD: String(MAX_NEW_METERS) } });
    ({ app, client } = stack);
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  const post = (query: string, payload: string) => stack.post(query, payload);
  const get = (url: string) => app.inject({ method: 'GET', url });
  /** Readings per meter as "start=usage", and the meters with their units. */
  const snapshot = async () => {
    const readings = await client.query<{ meter_id: string; reading: string }>(
      `select meter_id, to_char(interval_start at time zone 'UTC', 'YYYY-MM-DD HH24:MI') || '=' || coalesce(usage::text, 'null') as reading
       from readings where meter_id <> 'meter-1' order by meter_id, interval_start`,
    );
    const meters = await client.query<{ meter_id: string; unit: string }>(`select meter_id, unit from meters order by meter_id`);
    const byMeter: Record<string, string[]> = {};
    for (const row of readings.rows) (byMeter[row.meter_id] ??= []).push(row.reading);
    return { readings: byMeter, meters: meters.rows.map((row) => `${row.meter_id}:${row.unit}`) };
  };

  it('item 1: refuses a file naming more new meters than MAX_NEW_METERS_PER_UPLOAD with 400, nothing written', async () => {
    const before = await snapshot();
    const rows = Array.from({ length: MAX_NEW_METERS + 1 }, (_, index) => `new-${index},2019-01-01 00:15:00,1`);
    const response = await post('', `meter_id,time,meterusage\n${rows.join('\n')}\n`);
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: `meter: the file names more than ${MAX_NEW_METERS} new meters, the most one upload may create (MAX_NEW_METERS_PER_UPLOAD = ${MAX_NEW_METERS}); nothing was written: split the file or raise the limit`,
    });
    expect(await snapshot()).toEqual(before);

    // Refused on the first slice of a large body: still a 400, nothing of the rest written.
    const tail = Array.from({ length: 20_000 }, (_, index) => `b,${new Date(Date.parse('2030-01-01T00:15:00Z') + index * 900_000).toISOString()},1`);
    const large = await post('', `meter_id,time,meterusage\n${rows.join('\n')}\n${tail.join('\n')}\n`);
    expect([large.statusCode, large.json().error.code]).toEqual([400, 'INVALID_ARGUMENT']);
    expect(await snapshot()).toEqual(before);
  }, 30_000);

  it('item 2: refuses 1e309 with its line (422, nothing written); in partial mode loads the rest, and every route still reads the meter', async () => {
    const before = await snapshot();
    const atomic = await post('meter=p', 'time,meterusage\n2019-01-01 00:15:00,1e309\n');
    expect(atomic.statusCode).toBe(422);
    expect(atomic.json()).toMatchObject({
      committed: false,
      rejected: 1,
      errors: [{ line: 2, field: 'meterusage', reason: 'usage 1e309 is too large: values must be below 10^12 (1000000000000)' }],
    });
    expect(await snapshot()).toEqual(before);

    const body =
      'time,meterusage\n2019-01-01 00:15:00,1e309\n2019-01-01 00:30:00,1e-400\n2019-01-01 00:45:00,1e131072\n2019-01-01 01:00:00,1e-20000\n2019-01-01 01:15:00,2.5\n';
    const partial = await post('meter=p&mode=partial', body);
    expect(partial.statusCode).toBe(200);
    expect(partial.json()).toMatchObject({ committed: true, inserted: 1, rejected: 4 });
    expect(partial.json().errors.map((error: { line: number; field: string }) => [error.line, error.field])).toEqual([
      [2, 'meterusage'],
      [3, 'meterusage'],
      [4, 'meterusage'],
      [5, 'meterusage'],
    ]);
    expect((await snapshot()).readings.p).toEqual(['2019-01-01 01:00=2.5']);
    for (const url of ['/api/readings?meter=p', '/api/usage?meter=p&bucket=hour', '/api/summary?meter=p', '/api/export?meter=p', '/api/metrics?meter=p']) {
      expect([url, (await get(url)).statusCode]).toEqual([url, 200]);
    }
  }, 30_000);

  it('item 3: ?meter=a with a meter_id column naming b rejects that row (422) and leaves b alone; the report names a', async () => {
    await post('meter=b', 'time,meterusage\n2019-01-01 00:15:00,7\n');
    const before = await snapshot();
    const response = await post('meter=a', 'meter_id,time,meterusage\nb,2019-01-01 00:15:00,99\n');
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({
      meterId: 'a',
      committed: false,
      rejected: 1,
      updated: 0,
      errors: [{ line: 2, field: 'meter_id', reason: 'the row names meter "b" but the upload is for meter "a": drop the meter_id column or make it match' }],
    });
    expect(await snapshot()).toEqual(before);
  }, 30_000);

  it('item 3: an export re-uploaded with ?meter=x is rejected row by row; without its meter_id column it loads into x', async () => {
    const exported = (await get('/api/export?meter=b')).body;
    expect(exported.split('\n')[0]).toBe('meter_id,time,start,end,meterusage,quality');
    const before = await snapshot();
    const rejected = await post('meter=x', exported);
    expect([rejected.statusCode, rejected.json().errors[0]]).toEqual([422, { line: 2, field: 'meter_id', reason: expect.stringContaining('names meter "b"') }]);
    expect(await snapshot()).toEqual(before);
    const withoutColumn = exported.replace(/^[^,\n]*,/gm, '');
    const loaded = await post('meter=x', withoutColumn);
    expect([loaded.statusCode, loaded.json().meterId, loaded.json().inserted]).toEqual([200, 'x', 1]);
    expect((await snapshot()).readings.x).toEqual(before.readings.b);
  }, 30_000);

  it('item 3: without ?meter a meter_id column is a multi-meter upload with counts per meter and no meterId', async () => {
    const response = await post('', 'meter_id,time,meterusage\nb,2019-01-01 00:15:00,7\nb,2019-01-01 00:30:00,8\nmulti-c,2019-01-01 00:15:00,3\n');
    expect(response.statusCode).toBe(200);
    const report = response.json();
    expect(report.meterId).toBeUndefined();
    expect(report).toMatchObject({ inserted: 2, unchanged: 1, meterCount: 2, metersCreated: ['multi-c'], metersCreatedCount: 1 });
    expect(report.meters).toEqual([
      { meterId: 'b', created: false, inserted: 1, updated: 0, unchanged: 1, skipped: 0, rejected: 0 },
      { meterId: 'multi-c', created: true, inserted: 1, updated: 0, unchanged: 0, skipped: 0, rejected: 0 },
    ]);
  }, 30_000);

  it('item 6: unit=MWh to an existing kWh meter is 409 naming the setting, nothing written', async () => {
    const before = await snapshot();
    const response = await post('meter=b&unit=MWh', 'time,meterusage\n2019-01-02 00:15:00,1\n');
    expect(response.statusCode).toBe(409);
    expect(response.json().error).toEqual({ code: 'ALREADY_EXISTS', message: 'unit: the upload says MWh, meter "b" has kWh; nothing was written' });
    const label = await post('meter=b&time_label=start', 'time,meterusage\n2019-01-02 00:15:00,1\n');
    expect([label.statusCode, label.json().error.message]).toEqual([409, 'time_label: the upload says start, meter "b" has end; nothing was written']);
    expect(await snapshot()).toEqual(before);
  }, 30_000);

  it('item 6: two concurrent uploads creating one meter with different units: one 200, the other 409, its values not stored', async () => {
    const rows = Array.from({ length: 3000 }, (_, index) => `${new Date(Date.parse('2020-01-01T00:15:00Z') + index * 900_000).toISOString()},1`);
    const [kwh, mwh] = await Promise.all([
      post('meter=twice&unit=kWh', `time,meterusage\n${rows.join('\n')}\n`),
      post('meter=twice&unit=MWh', `time,meterusage\n${rows.map((row) => row.replace(/,1$/, ',2')).join('\n')}\n`),
    ]);
    const statuses = [kwh.statusCode, mwh.statusCode].sort();
    expect(statuses).toEqual([200, 409]);
    const loser = kwh.statusCode === 409 ? kwh : mwh;
    expect(loser.json().error.message).toMatch(
      /^unit: the upload says (kWh|MWh), meter "twice"( \(created by another upload while this one was read\))? has (kWh|MWh); nothing was written$/,
    );
    const winnerUnit = kwh.statusCode === 200 ? 'kWh' : 'MWh';
    const stored = await client.query(`select distinct usage::text as usage from readings where meter_id = 'twice'`);
    expect(stored.rows).toEqual([{ usage: winnerUnit === 'kWh' ? '1' : '2' }]);
    expect((await snapshot()).meters).toContain(`twice:${winnerUnit}`);
  }, 60_000);

  it('item 8: 00:15:00.0009 is off the grid: 422 with the line, nothing written', async () => {
    const before = await snapshot();
    const response = await post('meter=b', 'time,meterusage\n2019-01-03 00:15:00.0009,1\n');
    expect(response.statusCode).toBe(422);
    expect(response.json().errors).toEqual([{ line: 2, field: 'time', reason: 'time "2019-01-03 00:15:00.0009" is not on the 15-minute grid' }]);
    expect(await snapshot()).toEqual(before);
  }, 30_000);
});
