import type { FastifyInstance } from 'fastify';
import { Readable } from 'node:stream';
import type { Client } from 'pg';
import { startAppStack, type AppStack } from './support/app-stack';

describe('POST /api/readings over a real grpc-server and PostgreSQL', () => {
  let stack: AppStack;
  let app: FastifyInstance;
  let client: Client;
  const LIMIT = 64 * 1024;

  beforeAll(async () => {
    stack = await startAppStack('gateway_ingest', { ingestBodyLimitBytes: LIMIT });
    ({ app, client } = stack);
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  const post = (url: string, payload: string, contentType = 'text/csv') =>
    app.inject({ method: 'POST', url, payload, headers: { 'content-type': contentType } });
  const count = async (meterId: string) => Number((await client.query('select count(*) from readings where meter_id = $1', [meterId])).rows[0].count);

  it('loads a CSV into a new meter and reports it; the same upload again is all unchanged', async () => {
    const body = 'time,meterusage\n2021-01-01 00:15:00,1.5\n2021-01-01 00:30:00,NaN\n2021-01-01 00:45:00,2\n';
    const first = await post('/api/readings?meter=upload-1&unit=MWh', body);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({
      meterId: 'upload-1',
      committed: true,
      accepted: 3,
      inserted: 3,
      updated: 0,
      unchanged: 0,
      skipped: 0,
      rejected: 0,
      errors: [],
      meters: [{ meterId: 'upload-1', created: true, inserted: 3, updated: 0, unchanged: 0, skipped: 0, rejected: 0 }],
      meterCount: 1,
      metersCreated: ['upload-1'],
      metersCreatedCount: 1,
      firstIntervalStart: '2021-01-01T00:00:00Z',
      lastIntervalEnd: '2021-01-01T00:45:00Z',
      uploadId: expect.stringMatching(/^\d+$/),
    });
    const again = await post('/api/readings?meter=upload-1', body);
    expect(again.json()).toMatchObject({ committed: true, inserted: 0, unchanged: 3 });
    expect(Number(again.json().uploadId)).toBeGreaterThan(Number(first.json().uploadId));
    const readings = (await app.inject({ method: 'GET', url: '/api/readings?meter=upload-1' })).json();
    expect(readings.unit).toBe('MWh');
    expect(readings.readings.map((reading: { usage?: number; missing: boolean }) => reading.usage ?? 'missing')).toEqual([1.5, 'missing', 2]);
  });

  it('answers 422 with the report, writing nothing, when a row is rejected in atomic mode', async () => {
    const response = await post('/api/readings?meter=upload-2', 'time,meterusage\n2021-01-01 00:15:00,1\n2021-01-01 00:31:00,2\n');
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({
      committed: false,
      accepted: 1,
      rejected: 1,
      inserted: 0,
      errors: [{ line: 3, field: 'time', reason: 'time "2021-01-01 00:31:00" is not on the 15-minute grid' }],
    });
    expect(await count('upload-2')).toBe(0);
    const partial = await post('/api/readings?meter=upload-2&mode=partial', 'time,meterusage\n2021-01-01 00:15:00,1\n2021-01-01 00:31:00,2\n');
    expect([partial.statusCode, partial.json().inserted, partial.json().rejected]).toEqual([200, 1, 1]);
  });

  it('corrects values and says how many changed (on_conflict=update), or keeps them (skip)', async () => {
    const skip = await post('/api/readings?meter=upload-1&on_conflict=skip', 'time,meterusage\n2021-01-01 00:15:00,9\n');
    expect(skip.json()).toMatchObject({ committed: true, skipped: 1, updated: 0 });
    const update = await post('/api/readings?meter=upload-1', 'time,meterusage\n2021-01-01 00:15:00,9\n');
    expect(update.json()).toMatchObject({ committed: true, updated: 1 });
  });

  it('refuses a body over the limit with 413 and writes nothing, declared or streamed', async () => {
    const rows = Array.from({ length: 3000 }, (_, index) => `${new Date(Date.parse('2022-01-01T00:15:00Z') + index * 900_000).toISOString()},1`);
    const big = `time,meterusage\n${rows.join('\n')}\n`;
    expect(big.length).toBeGreaterThan(LIMIT);
    const declared = await post('/api/readings?meter=too-big', big);
    expect([declared.statusCode, declared.json().error.code, declared.headers.connection]).toEqual([413, 'PAYLOAD_TOO_LARGE', 'close']);
    const streamed = await app.inject({
      method: 'POST',
      url: '/api/readings?meter=too-big',
      headers: { 'content-type': 'text/csv', 'transfer-encoding': 'chunked' },
      payload: Readable.from(
        (function* () {
          for (let at = 0; at < big.length; at += 8192) yield Buffer.from(big.slice(at, at + 8192));
        })(),
      ),
    });
    expect(streamed.statusCode).toBe(413);
    // The unread rest of the body must not hold up a keep-alive client's next request: the answer closes the connection.
    expect(streamed.headers.connection).toBe('close');
    expect(await count('too-big')).toBe(0);
    const fine = await post('/api/readings?meter=small-enough', 'time,meterusage\n2022-01-01 00:15:00,1\n');
    expect([fine.statusCode, fine.headers.connection]).not.toEqual([200, 'close']);
    expect(fine.statusCode).toBe(200);
  });

  it('answers 415 for a body that is not CSV and 400 for bad parameters', async () => {
    const json = await post('/api/readings', '{"time":"x"}', 'application/json');
    expect(json.statusCode).toBe(415);
    expect(json.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const badPolicy = await post('/api/readings?on_conflict=overwrite', 'time,meterusage\n');
    expect([badPolicy.statusCode, badPolicy.json().error.details[0].field]).toEqual([400, 'on_conflict']);
    const badZone = await post('/api/readings?tz=Nowhere/Land', 'time,meterusage\n2021-01-01 00:15:00,1\n');
    expect([badZone.statusCode, badZone.json().error.details[0].field]).toEqual([400, 'tz']);
  });
});
