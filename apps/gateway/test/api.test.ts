import type { FastifyInstance } from 'fastify';
import { Client } from 'pg';
import { createTestDatabase, readSampleCsv, SAMPLE_CSV_PATH, startGrpcServer, type AppProcess, type TestDatabase } from '@meterusage/testing';
import { buildApp } from '../src/app';

interface ReadingJson {
  time: string;
  start: string;
  end: string;
  usage?: number;
  missing: boolean;
  quality: string;
  uploadId?: string;
}

describe('HTTP query API over a real grpc-server and PostgreSQL', () => {
  let database: TestDatabase;
  let grpcServer: AppProcess & { port: number };
  let app: FastifyInstance;
  const get = (url: string) => app.inject({ method: 'GET', url });

  beforeAll(async () => {
    database = await createTestDatabase('gateway_api');
    grpcServer = await startGrpcServer({ DATABASE_URL: database.url, CSV_PATH: SAMPLE_CSV_PATH, METER_ID: 'meter-1' });
    // An Amsterdam meter over the 2019 spring DST weekend, with a hole and a missing value.
    const client = new Client({ connectionString: database.url });
    await client.connect();
    await client.query(`insert into meters (meter_id) values ('ams')`);
    await client.query(`insert into readings
      select 'ams', t, (extract(epoch from t)::bigint / 900 % 97) * 0.25 + 1
      from generate_series(timestamptz '2019-03-29T23:00:00Z', timestamptz '2019-04-01T21:45:00Z', interval '15 minutes') t`);
    await client.query(`delete from readings where meter_id = 'ams' and interval_start = '2019-03-31T05:00:00Z'`);
    await client.query(`update readings set usage = null where meter_id = 'ams' and interval_start = '2019-03-31T07:00:00Z'`);
    await client.end();
    app = await buildApp({ grpcTarget: `127.0.0.1:${grpcServer.port}`, grpcDeadlineMs: 10_000 });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await grpcServer?.stop();
    await database?.drop();
  });

  const expectBadRequest = async (url: string, field: string) => {
    const response = await get(url);
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.error.code).toBe('INVALID_ARGUMENT');
    expect(body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    expect(body.error.message).toContain(`${field}: `);
    return body.error as { message: string };
  };

  it('GET /api/meters lists the meters with their spans', async () => {
    const response = await get('/api/meters');
    expect(response.statusCode).toBe(200);
    expect(response.json().meters).toEqual([
      {
        meterId: 'ams',
        unit: 'kWh',
        intervalSeconds: 900,
        timeLabel: 'TIME_LABEL_END',
        firstIntervalStart: '2019-03-29T23:00:00Z',
        lastIntervalEnd: '2019-04-01T22:00:00Z',
      },
      {
        meterId: 'meter-1',
        unit: 'kWh',
        intervalSeconds: 900,
        timeLabel: 'TIME_LABEL_END',
        firstIntervalStart: '2019-01-01T00:00:00Z',
        lastIntervalEnd: '2019-01-31T23:45:00Z',
      },
    ]);
  });

  describe('GET /api/readings', () => {
    it('walks pages of the default meter: every interval once, in the proto3 JSON mapping', async () => {
      const readings: ReadingJson[] = [];
      let token = '';
      let pages = 0;
      do {
        const response = await get(`/api/readings?page_size=1000${token ? `&page_token=${encodeURIComponent(token)}` : ''}`);
        expect(response.statusCode).toBe(200);
        const body = response.json();
        expect(body.meterId).toBe('meter-1');
        readings.push(...body.readings);
        token = body.nextPageToken;
        pages += 1;
      } while (token !== '');
      expect(pages).toBe(3);
      expect(readings.map((reading) => ({ time: reading.time, meterusage: reading.usage ?? null }))).toEqual(readSampleCsv());
      expect(readings[0]).toEqual({
        time: '2019-01-01T00:15:00Z',
        start: '2019-01-01T00:00:00Z',
        end: '2019-01-01T00:15:00Z',
        usage: 55.09,
        missing: false,
        quality: 'READING_QUALITY_MEASURED',
        uploadId: expect.stringMatching(/^[1-9][0-9]*$/),
      });
      expect(readings.filter((reading) => reading.missing)).toEqual([
        {
          time: '2019-01-17T02:45:00Z',
          start: '2019-01-17T02:30:00Z',
          end: '2019-01-17T02:45:00Z',
          missing: true,
          quality: 'READING_QUALITY_MISSING_IN_SOURCE',
          uploadId: readings[0]!.uploadId,
        },
      ]);
    });

    it('reads plain dates as local midnight in tz and shows holes as NOT_RECEIVED', async () => {
      const body = (await get('/api/readings?meter=ams&from=2019-03-31&to=2019-04-01&tz=Europe/Amsterdam&page_size=10000')).json();
      expect(body.readings).toHaveLength(92);
      expect(body.readings[0].start).toBe('2019-03-30T23:00:00Z');
      expect(body.readings.filter((reading: ReadingJson) => reading.missing).map((reading: ReadingJson) => [reading.start, reading.quality])).toEqual([
        ['2019-03-31T05:00:00Z', 'READING_QUALITY_NOT_RECEIVED'],
        ['2019-03-31T07:00:00Z', 'READING_QUALITY_MISSING_IN_SOURCE'],
      ]);
    });

    it.each([
      ['page_size=0', 'page_size'],
      ['page_size=-5', 'page_size'],
      ['page_size=99999999', 'page_size'],
      ['page_size=ten', 'page_size'],
      ['page_token=not-a-token', 'page_token'],
      ['form=2019-01-01', 'form'],
      ['from=yesterday', 'from'],
      ['from=2019-02-30', 'from'],
      ['from=2019-01-02&to=2019-01-01', 'from'],
      ['from=2019-01-01T00:00:00Z&to=2019-01-01T00:00:00Z', 'from'],
      ['tz=Mars/Olympus&from=2019-01-01', 'tz'],
      ['meter=bad%20id', 'meter'],
    ])('answers ?%s with 400 naming %s', async (query, field) => {
      await expectBadRequest(`/api/readings?${query}`, field);
    });

    it('answers 404 for an unknown meter, and grpc-server logs it under the request id', async () => {
      const response = await app.inject({ method: 'GET', url: '/api/readings?meter=nobody', headers: { 'x-request-id': 'trace-404' } });
      expect([response.statusCode, response.json()]).toEqual([404, { error: { code: 'NOT_FOUND', message: 'meter "nobody" not found' } }]);
      // The answer cache's version call finds no meter first; the route's own call then answers.
      const logged = await grpcServer.waitForLog((line) => line.requestId === 'trace-404' && line.method === 'ListReadings', 5_000);
      expect(logged).toMatchObject({ method: 'ListReadings', code: 5, msg: 'rpc failed' });
    });
  });

  describe('GET /api/usage', () => {
    it('sums Amsterdam days in their own calendar: the spring change day has 92 intervals', async () => {
      const response = await get('/api/usage?meter=ams&from=2019-03-30&to=2019-04-02&bucket=day&tz=Europe/Amsterdam');
      expect(response.statusCode).toBe(200);
      const body = response.json();
      expect(body.timeZone).toBe('Europe/Amsterdam');
      expect(
        body.buckets.map((bucket: { start: string; presentCount: number; expectedCount: number }) => [bucket.start, bucket.presentCount, bucket.expectedCount]),
      ).toEqual([
        ['2019-03-29T23:00:00Z', 96, 96],
        ['2019-03-30T23:00:00Z', 90, 92],
        ['2019-03-31T22:00:00Z', 96, 96],
      ]);
    });

    it('reports a month of the sample with sum, mean, min, max and counts', async () => {
      const body = (await get('/api/usage?bucket=month')).json();
      const present = readSampleCsv().flatMap((row) => (row.meterusage === null ? [] : [row.meterusage]));
      const total = present.reduce((sum, value) => sum + value, 0);
      expect(body.buckets).toHaveLength(1);
      const [month] = body.buckets;
      expect(month.start).toBe('2019-01-01T00:00:00Z');
      expect(month.sum).toBeCloseTo(total, 6);
      expect(month.mean).toBeCloseTo(total / present.length, 9);
      // No range: the bucket is the whole of January (the data ends at 23:45), not clipped.
      expect([month.min, month.max, month.presentCount, month.expectedCount, month.clipped]).toEqual([
        Math.min(...present),
        Math.max(...present),
        2974,
        2976,
        false,
      ]);
    });

    it('gives average power per bucket with quantity=power, in both shapes', async () => {
      const energy = (await get('/api/usage?bucket=day&tz=Europe/Amsterdam')).json();
      const power = await get('/api/usage?bucket=day&tz=Europe/Amsterdam&quantity=power');
      expect(power.statusCode).toBe(200);
      expect(power.json().unit).toBe('kW');
      expect(power.json().buckets).toEqual(
        energy.buckets.map((bucket: { mean?: number; min?: number; max?: number }) => ({
          ...bucket,
          ...(bucket.mean === undefined ? {} : { sum: bucket.mean * 4, mean: bucket.mean * 4, min: bucket.min! * 4, max: bucket.max! * 4 }),
        })),
      );
      const columns = (await get('/api/usage?bucket=day&tz=Europe/Amsterdam&quantity=power&shape=columns')).json();
      expect(columns.unit).toBe('kW');
      expect(columns.columns.sum).toEqual(power.json().buckets.map((bucket: { sum?: number }) => bucket.sum ?? null));
      await expectBadRequest('/api/usage?quantity=current', 'quantity');
    });

    it('defaults to day buckets in UTC and refuses unknown buckets and oversized requests', async () => {
      expect((await get('/api/usage')).json().buckets).toHaveLength(31);
      await expectBadRequest('/api/usage?bucket=fortnight', 'bucket');
      const tooMany = await expectBadRequest('/api/usage?bucket=15m&from=1990-01-01&to=2019-01-01', 'bucket');
      expect(tooMany.message).toMatch(/more than 100000/);
    });

    it('answers the largest request the limit admits, 100,000 buckets, and refuses one bucket more', async () => {
      const largest = await get('/api/usage?bucket=15m&from=2019-01-01&to=2021-11-07T16:00:00Z&shape=columns');
      expect(largest.statusCode).toBe(200);
      expect(largest.json().columns.startMs).toHaveLength(100_000);
      const oneMore = await expectBadRequest('/api/usage?bucket=15m&from=2019-01-01&to=2021-11-07T16:00:01Z', 'bucket');
      expect(oneMore.message).toMatch(/100001 buckets, more than 100000/);
    });
  });

  it('GET /api/profile gives the hourly profile of the sample month in UTC, computed here from the CSV', async () => {
    const response = await get('/api/profile?bucket=hour&tz=UTC');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({
      meterId: 'meter-1',
      unit: 'kWh',
      timeZone: 'UTC',
      bucket: 'hour',
      group: 'all',
      from: '2019-01-01T00:00:00Z',
      to: '2019-01-31T23:45:00Z',
    });
    // The sample labels each interval by its end; an hour of a date is complete with its four values.
    const hours = new Map<string, number[]>();
    for (const row of readSampleCsv()) {
      const startMs = Date.parse(row.time) - 900_000;
      const key = new Date(startMs).toISOString().slice(0, 13);
      hours.set(key, [...(hours.get(key) ?? []), ...(row.meterusage === null ? [] : [row.meterusage])]);
    }
    const byHour = Array.from({ length: 24 }, () => ({ complete: [] as number[], incomplete: 0 }));
    for (const [key, values] of hours) {
      const slot = byHour[Number(key.slice(11, 13))]!;
      if (values.length === 4) slot.complete.push(values.reduce((sum, value) => sum + value, 0));
      else slot.incomplete += 1;
    }
    expect(body.slots).toHaveLength(24);
    body.slots.forEach((slot: { start: string; end: string; count: number; incompleteCount: number; mean: number; min: number; max: number }, hour: number) => {
      const expected = byHour[hour]!;
      expect(slot.start).toBe(`${String(hour).padStart(2, '0')}:00`);
      expect(slot.end).toBe(`${String(hour + 1).padStart(2, '0')}:00`);
      expect([slot.count, slot.incompleteCount]).toEqual([expected.complete.length, expected.incomplete]);
      expect(slot.mean).toBeCloseTo(expected.complete.reduce((sum, value) => sum + value, 0) / expected.complete.length, 9);
      expect([slot.min, slot.max].map((value) => value.toFixed(6))).toEqual(
        [Math.min(...expected.complete), Math.max(...expected.complete)].map((value) => value.toFixed(6)),
      );
    });
    // The one NaN and the last hour (cut by the range's end at 23:45) are the incomplete occurrences.
    expect(body.slots.reduce((sum: number, slot: { incompleteCount: number }) => sum + slot.incompleteCount, 0)).toBe(2);
    await expectBadRequest('/api/profile?bucket=day', 'bucket');
    await expectBadRequest('/api/profile?group=holidays', 'group');
  });

  it('GET /api/summary?schedule= splits the total by operating hours on the local clock of tz', async () => {
    const range = 'meter=ams&from=2019-03-30&to=2019-04-01&tz=Europe/Amsterdam';
    const whole = (await get(`/api/summary?${range}`)).json();
    const hours = await get(`/api/summary?${range}&schedule=${encodeURIComponent('sat 08:00-20:00; sun 10:00-12:00')}`);
    expect(hours.statusCode).toBe(200);
    const split = hours.json().summary.schedule;
    expect(whole.summary.schedule).toBeUndefined();
    expect(split.insideCount + split.outsideCount).toBe(whole.summary.presentCount);
    expect(split.insideTotal + split.outsideTotal).toBeCloseTo(whole.summary.total, 9);
    expect(split.outsideShare).toBeCloseTo(split.outsideTotal / whole.summary.total, 12);
    // Saturday 08:00–20:00 is 48 quarter hours and Sunday 10:00–12:00 (after the 02:00 jump) 8, all present.
    expect(split.insideCount).toBe(56);
    const bad = await expectBadRequest(`/api/summary?${range}&schedule=${encodeURIComponent('weekdays 07:00-19:00')}`, 'schedule');
    expect(bad.message).toBe('schedule: entry "weekdays 07:00-19:00": "weekdays" is not a weekday or a range of them (mon, tue, wed, thu, fri, sat, sun)');
  });

  it('GET /api/summary summarises the default meter: exact total, peak interval, counts', async () => {
    const response = await get('/api/summary');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    const present = readSampleCsv().flatMap((row) => (row.meterusage === null ? [] : [row.meterusage]));
    expect(body.from).toBe('2019-01-01T00:00:00Z');
    expect(body.to).toBe('2019-01-31T23:45:00Z');
    expect(body.summary.total).toBeCloseTo(
      present.reduce((sum, value) => sum + value, 0),
      6,
    );
    expect(body.summary.peak).toEqual({
      time: '2019-01-21T10:15:00Z',
      start: '2019-01-21T10:00:00Z',
      end: '2019-01-21T10:15:00Z',
      usage: Math.max(...present),
      missing: false,
      quality: 'READING_QUALITY_MEASURED',
      uploadId: expect.stringMatching(/^[1-9][0-9]*$/),
    });
    expect([body.summary.presentCount, body.summary.missingCount, body.summary.expectedCount]).toEqual([2974, 1, 2975]);
    // A kWh meter of 15-minute intervals: power is four times an interval's energy, in kW.
    expect(body.summary.peakDemand).toEqual({ value: Math.max(...present) * 4, unit: 'kW', start: '2019-01-21T10:00:00Z', end: '2019-01-21T10:15:00Z' });
    const sorted = [...present].sort((a, b) => a - b);
    const rank = 0.1 * (sorted.length - 1);
    const p10 = sorted[Math.floor(rank)]! + (rank - Math.floor(rank)) * (sorted[Math.ceil(rank)]! - sorted[Math.floor(rank)]!);
    expect(body.summary.baseLoad.unit).toBe('kW');
    expect(body.summary.baseLoad.value).toBeCloseTo(p10 * 4, 9);
  });

  describe('GET /api/export', () => {
    it('downloads the range as CSV with a file name, equal to the readings API', async () => {
      const response = await get('/api/export?from=2019-01-17&to=2019-01-18');
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(response.headers['content-disposition']).toBe('attachment; filename="meter-1_2019-01-17_2019-01-18.csv"');
      const [header, ...lines] = response.body.trimEnd().split('\n');
      expect(header).toBe('meter_id,time,start,end,meterusage,quality');
      const readings = (await get('/api/readings?from=2019-01-17&to=2019-01-18')).json().readings as ReadingJson[];
      expect(lines).toEqual(readings.map((reading) => `meter-1,${reading.time},${reading.start},${reading.end},${reading.usage ?? ''},${reading.quality}`));
      expect(lines).toContain('meter-1,2019-01-17T02:45:00Z,2019-01-17T02:30:00Z,2019-01-17T02:45:00Z,,READING_QUALITY_MISSING_IN_SOURCE');
    });

    it('downloads NDJSON, one reading per line', async () => {
      const response = await get('/api/export?format=ndjson');
      expect(response.headers['content-type']).toBe('application/x-ndjson');
      const lines = response.body
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as ReadingJson & { meterId: string });
      expect(lines).toHaveLength(2975);
      expect(lines.map((line) => ({ time: line.time, meterusage: line.usage ?? null }))).toEqual(readSampleCsv());
    });

    it('answers 404 and 400 as JSON before any download starts', async () => {
      const unknown = await get('/api/export?meter=nobody');
      expect([unknown.statusCode, unknown.headers['content-type']]).toEqual([404, 'application/json; charset=utf-8']);
      await expectBadRequest('/api/export?format=xlsx', 'format');
    });

    it('gives a header-only CSV for a range without readings', async () => {
      const response = await get('/api/export?from=2030-01-01&to=2030-01-02');
      expect([response.statusCode, response.body]).toEqual([200, 'meter_id,time,start,end,meterusage,quality\n']);
    });
  });

  it('refuses a row whose interval ends past 9999, and answers every read of such a stored row with 200 or 400 OUT_OF_RANGE, never a 500', async () => {
    // An upload: the row's interval (start label 9999-12-31T23:45, 15 minutes) would end at 10000-01-01.
    const upload = await app.inject({
      method: 'POST',
      url: '/api/readings?meter=edge-of-time&time_label=start&mode=partial',
      headers: { 'content-type': 'text/csv' },
      payload: 'time,meterusage\n9999-12-31T23:30:00Z,1\n9999-12-31T23:45:00Z,2\n',
    });
    const report = upload.json<{ inserted: number; errors: Array<{ line: number; field: string; reason: string }> }>();
    expect(report.inserted).toBe(1);
    expect(report.errors).toEqual([
      { line: 3, field: 'time', reason: 'the interval of "9999-12-31T23:45:00Z" reaches outside years 0001-9999, which answers cannot write' },
    ]);
    // Such a row stored before that rule (or by hand): every read answers.
    const client = new Client({ connectionString: database.url });
    await client.connect();
    await client.query(`insert into readings (meter_id, interval_start, usage) values ('edge-of-time', '9999-12-31T23:45:00Z', 2)`);
    await client.query(`update meters set data_version = data_version + 1 where meter_id = 'edge-of-time'`);
    await client.end();
    const reads = [
      '/api/metrics?meter=edge-of-time',
      '/api/readings?meter=edge-of-time',
      '/api/readings?meter=edge-of-time&from=9999-12-31T23:30:00Z&to=9999-12-31T23:45:00Z',
      '/api/usage?meter=edge-of-time&bucket=15m&tz=UTC',
      '/api/usage?meter=edge-of-time&bucket=day&tz=UTC&from=9999-12-31',
      '/api/summary?meter=edge-of-time',
      '/api/profile?meter=edge-of-time&from=9999-12-31&bucket=hour&tz=UTC',
      '/api/export?meter=edge-of-time',
      '/api/export?meter=edge-of-time&format=ndjson',
      '/api/readings/history?meter=edge-of-time',
    ];
    for (const url of reads) {
      const response = await get(url);
      const answer = response.statusCode === 200 ? '200' : `${response.statusCode} ${response.json<{ error: { code: string } }>().error.code}`;
      expect([url, answer]).toEqual([url, expect.stringMatching(/^(200|400 OUT_OF_RANGE)$/)]);
    }
    // The interval that ends in 9999 reads as always.
    expect((await get('/api/readings?meter=edge-of-time&from=9999-12-31T23:30:00Z&to=9999-12-31T23:45:00Z')).statusCode).toBe(200);
  });

  it('publishes an OpenAPI document for every route and a UI at /docs', async () => {
    const document = (await get('/docs/json')).json();
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/api/metrics',
        '/api/meters',
        '/api/readings',
        '/api/usage',
        '/api/summary',
        '/api/profile',
        '/api/export',
        '/healthz',
        '/readyz',
      ]),
    );
    const readingsParameters = document.paths['/api/readings'].get.parameters.map((parameter: { name: string }) => parameter.name);
    expect(readingsParameters).toEqual(expect.arrayContaining(['meter', 'from', 'to', 'tz', 'page_size', 'page_token']));
    const ui = await get('/docs/');
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain('swagger');
  });
});
