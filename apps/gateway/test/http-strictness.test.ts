import { gzipSync } from 'node:zlib';
import { rawJsonBody, sendRaw, startHttpStack, type HttpStack } from './support/http-stack';

// Regression tests for the smaller reproductions of issue #10 (item 8), against real processes
// over raw HTTP: each asserts the status, the message and, for uploads, the rows before and after.

const CSV = 'time,meterusage\n2019-03-01 00:15:00,1.5\n2019-03-01 00:30:00,2.5\n';

const json = (text: string) => JSON.parse(text) as Record<string, unknown> & { error?: { code: string; message: string; details?: unknown[] } };

/** The 400 body of one refused parameter. */
const refusal = (field: string, description: string) => ({
  error: { code: 'INVALID_ARGUMENT', message: `${field}: ${description}`, details: [{ field, description }] },
});

describe('HTTP strictness (issue #10 item 8): real grpc-server and gateway processes, raw HTTP', () => {
  let stack: HttpStack;

  beforeAll(async () => {
    stack = await startHttpStack('gateway_strictness');
  }, 90_000);

  afterAll(async () => {
    await stack?.close();
  });

  const get = async (path: string) => {
    const answer = await stack.send('GET', path);
    return { status: answer.status, body: json(answer.text), headers: answer.headers };
  };
  const upload = (query: string, body: Buffer, headers: Record<string, string> = {}) =>
    stack.send('POST', `/api/readings?${query}`, { headers: { 'content-type': 'text/csv', ...headers }, body });

  describe('page_token', () => {
    it('an empty page_token (a first call) is the first page, the same as none', async () => {
      const withEmpty = await get('/api/readings?page_size=3&page_token=');
      const without = await get('/api/readings?page_size=3');
      expect(withEmpty.status).toBe(200);
      expect(withEmpty.body).toEqual(without.body);
      expect((withEmpty.body.readings as unknown[]).length).toBe(3);
      expect(withEmpty.body.nextPageToken).not.toBe('');
    });

    it('a page_token over 512 characters is refused in our words', async () => {
      const token = 'A'.repeat(513);
      expect(await get(`/api/readings?page_token=${token}`)).toMatchObject({
        status: 400,
        body: refusal('page_token', `must be at most 512 characters long, got "${'A'.repeat(64)}…"`),
      });
    });
  });

  describe('/api/metrics', () => {
    it('lists the readings of the meter named by meter', async () => {
      expect((await upload('meter=strict-metrics', Buffer.from(CSV))).status).toBe(200);
      expect(await get('/api/metrics?meter=strict-metrics')).toMatchObject({
        status: 200,
        body: [
          { time: '2019-03-01T00:15:00Z', meterusage: 1.5 },
          { time: '2019-03-01T00:30:00Z', meterusage: 2.5 },
        ],
      });
      expect(await get('/api/metrics?meter=nobody')).toMatchObject({
        status: 404,
        body: { error: { code: 'NOT_FOUND', message: 'meter "nobody" not found' } },
      });
    });

    it('refuses unknown parameters and a malformed meter like every other route', async () => {
      expect(await get('/api/metrics?foo=1')).toMatchObject({ status: 400, body: refusal('foo', 'unknown parameter; this route takes meter') });
      const malformedMeter = refusal('meter', `must be 1 to 64 letters, digits, '.', '_', ':' or '-', got "a b"`);
      expect(await get('/api/metrics?meter=a%20b')).toMatchObject({ status: 400, body: malformedMeter });
      // An upload's meter is judged by the same rule, in the same words.
      const uploaded = await upload('meter=a%20b', Buffer.from('time,meterusage\n2019-01-01 00:15:00,1\n'));
      expect({ status: uploaded.status, body: JSON.parse(uploaded.text) as unknown }).toMatchObject({ status: 400, body: malformedMeter });
    });
  });

  describe('messages in our words', () => {
    it.each([
      ['/api/readings?page_size=abc', 'page_size', 'must be an integer from 1 to 10000, got "abc"'],
      ['/api/readings?page_size=0', 'page_size', 'must be an integer from 1 to 10000, got "0"'],
      ['/api/usage?bucket=year', 'bucket', 'must be one of 15m, hour, day, week, month, got "year"'],
      ['/api/summary?foo=1', 'foo', 'unknown parameter; this route takes meter, from, to, tz, as_of, compare, schedule'],
      ['/api/meters?x=1', 'x', 'unknown parameter; this route takes no parameters'],
      ['/api/summary?tz=', 'tz', 'must be 1 to 64 characters long, got ""'],
      ['/api/summary?from=yesterday', 'from', 'must be an RFC 3339 timestamp (2019-01-01T00:00:00Z) or a date (2019-01-01), got "yesterday"'],
      ['/api/summary?meter=a&meter=b', 'meter', 'must be given once, got 2 values'],
      ['/api/export?format=json', 'format', 'must be one of csv, ndjson, got "json"'],
    ])('GET %s names %s and says why', async (path, field, description) => {
      expect(await get(path)).toMatchObject({ status: 400, body: refusal(field, description) });
    });
  });

  describe('times in and out: years 0001-9999, four digits, to the millisecond', () => {
    it('takes a plain date before year 100 as it takes its RFC 3339 form', async () => {
      for (const [from, to] of [
        ['0099-12-31', '0100-01-02'],
        ['0099-12-31T00:00:00Z', '0100-01-02T00:00:00Z'],
      ]) {
        expect(await get(`/api/summary?from=${from}&to=${to}`)).toMatchObject({
          status: 200,
          body: { from: '0099-12-31T00:00:00Z', to: '0100-01-02T00:00:00Z' },
        });
      }
    });

    it.each([
      ['from=0000-12-31T23:00:00Z', 'from', '"0000-12-31T23:00:00Z" is outside 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z, the times this API handles'],
      [
        'from=0001-01-01T00:00:00%2B01:00',
        'from',
        '"0001-01-01T00:00:00+01:00" is outside 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z, the times this API handles',
      ],
      [
        'from=0001-01-01&tz=Asia/Tokyo',
        'from',
        '"0001-01-01" (midnight in Asia/Tokyo) is outside 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z, the times this API handles',
      ],
      [
        'to=9999-12-31T23:00:00-05:00',
        'to',
        '"9999-12-31T23:00:00-05:00" is outside 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z, the times this API handles',
      ],
      ['from=%2B010000-01-01T00:00:00Z', 'from', 'must be an RFC 3339 timestamp (2019-01-01T00:00:00Z) or a date (2019-01-01), got "+010000-01-01T00:00:00Z"'],
      ['from=2019-02-29', 'from', '"2019-02-29" is not a date of the calendar'],
      ['from=2019-01-01T24:00:00Z', 'from', '"2019-01-01T24:00:00Z" is not a time of day'],
      ['from=2016-12-31T23:59:60Z', 'from', '"2016-12-31T23:59:60Z" names a leap second, which this API does not handle'],
    ])('refuses %s naming %s', async (query, field, description) => {
      expect(await get(`/api/summary?${query}`)).toMatchObject({ status: 400, body: refusal(field, description) });
    });

    it.each(['bucket=month', 'bucket=week&tz=America/New_York', 'bucket=day&tz=Pacific/Kiritimati'])(
      'never prints a year outside 0001-9999 (+010000-...): the last buckets of 9999 with %s',
      async (query) => {
        const answer = await stack.send('GET', `/api/usage?from=9999-12-01&to=9999-12-31T23:59:59Z&${query}`);
        expect([200, 400]).toContain(answer.status);
        expect(answer.text).not.toMatch(/[+-]\d{6}-/);
        const times = answer.text.match(/"\d{4}-\d\d-\d\dT[^"]*"/g) ?? [];
        for (const time of times) expect(time).toMatch(/^"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z"$/);
      },
    );

    it('refuses digits below the millisecond instead of dropping them (00:15:00.0009 is not on the grid)', async () => {
      expect(await get('/api/summary?from=2019-01-01T00:15:00.0009Z&to=2019-01-02')).toMatchObject({
        status: 400,
        body: refusal('from', '"2019-01-01T00:15:00.0009Z" has digits below the millisecond; times are resolved to the millisecond'),
      });
    });

    it('honours milliseconds exactly, to grpc-server and back (trailing zeros are the same instant)', async () => {
      for (const from of ['2019-01-01T00:15:00.250Z', '2019-01-01T00:15:00.250000000Z', '2019-01-01T01:15:00.25%2B01:00']) {
        const answer = await get(`/api/summary?from=${from}&to=2019-01-02T00:00:00.001Z`);
        expect(answer).toMatchObject({ status: 200, body: { from: '2019-01-01T00:15:00.250Z', to: '2019-01-02T00:00:00.001Z' } });
      }
      // Starting 250 ms into the 00:15-00:30 interval, the range no longer holds it whole.
      const whole = await get('/api/summary?from=2019-01-01T00:15:00Z&to=2019-01-02');
      const later = await get('/api/summary?from=2019-01-01T00:15:00.250Z&to=2019-01-02');
      const present = (answer: { body: Record<string, unknown> }) => (answer.body.summary as { presentCount: number }).presentCount;
      expect(present(later)).toBe(present(whole) - 1);
    });
  });

  describe('uploads: Content-Encoding', () => {
    it('loads a gzip upload as its plain CSV (the same report), rows written once', async () => {
      const before = await stack.storedRows('strict-gzip');
      const answer = await upload('meter=strict-gzip', gzipSync(CSV), { 'content-encoding': 'gzip' });
      expect([answer.status, json(answer.text)]).toEqual([200, expect.objectContaining({ meterId: 'strict-gzip', committed: true, accepted: 2, inserted: 2 })]);
      expect([before, await stack.storedRows('strict-gzip')]).toEqual([0, 2]);
    });

    it('refuses br (on a plain body: it used to be accepted) with 415 naming the supported codings, nothing written', async () => {
      const answer = await upload('meter=strict-br', Buffer.from(CSV), { 'content-encoding': 'br' });
      expect([answer.status, answer.headers['accept-encoding'], json(answer.text)]).toEqual([
        415,
        'gzip, identity',
        {
          error: {
            code: 'UNSUPPORTED_MEDIA_TYPE',
            message: 'Content-Encoding "br" is not supported; send the CSV uncompressed or gzip-compressed (Content-Encoding: gzip)',
          },
        },
      ]);
      expect(await stack.storedRows('strict-br')).toBe(0);
    });
  });

  describe('every error is JSON', () => {
    it('an HTTP/1.1 request without Host gets the JSON 400', async () => {
      const answer = await sendRaw(stack.baseUrl, Buffer.from('GET /api/meters HTTP/1.1\r\nConnection: close\r\n\r\n', 'latin1'));
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).toMatch(/\r\ncontent-type: application\/json/i);
      expect(rawJsonBody(answer)).toEqual({ error: { code: 'INVALID_ARGUMENT', message: 'an HTTP/1.1 request needs a Host header (RFC 9112, section 3.2)' } });
    });

    it('an HTTP/1.0 request without Host is answered (Host is an HTTP/1.1 requirement)', async () => {
      const answer = await sendRaw(stack.baseUrl, Buffer.from('GET /healthz HTTP/1.0\r\n\r\n', 'latin1'));
      expect(answer).toMatch(/^HTTP\/1\.1 200 /);
      expect(rawJsonBody(answer)).toEqual({ status: 'ok' });
    });

    it.each([
      ['DELETE', '/api/meters', 'GET, HEAD'],
      ['PUT', '/api/readings', 'GET, HEAD, POST'],
      ['POST', '/api/usage', 'GET, HEAD'],
      ['PATCH', '/healthz', 'GET, HEAD'],
    ])('%s %s is 405 with Allow: %s', async (method, path, allow) => {
      const answer = await stack.send(method, path, method === 'DELETE' ? {} : { headers: { 'content-type': 'application/json' }, body: Buffer.from('{') });
      expect([answer.status, answer.headers.allow, json(answer.text)]).toEqual([
        405,
        allow,
        { error: { code: 'METHOD_NOT_ALLOWED', message: `${method} is not allowed on ${path}; it takes ${allow}` } },
      ]);
    });

    it('an unknown path stays 404', async () => {
      expect(await get('/api/nothing')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND', message: 'no route for GET /api/nothing' } } });
    });
  });
});
