import fc from 'fast-check';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { createTestDatabase, freePort, SAMPLE_CSV_PATH, startApp, startGrpcServer, type AppProcess, type TestDatabase } from '@meterusage/testing';

// Property-based tests of every route's request validation, against real processes (grpc-server on
// its own database, the gateway in front, raw HTTP so the request line is exactly what we generate):
// whatever the query, path, body or content type, the answer is never a 5xx, every 4xx is the JSON
// error body, nothing internal (stack, SQL, addresses) leaks, and the gateway survives it all.

interface Response {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** Query parameters each route declares; others must be refused with 400. */
const GET_ROUTES: Record<string, readonly string[]> = {
  '/api/meters': [],
  '/api/readings': ['meter', 'from', 'to', 'tz', 'page_size', 'page_token'],
  '/api/usage': ['meter', 'from', 'to', 'tz', 'bucket'],
  '/api/summary': ['meter', 'from', 'to', 'tz'],
  '/api/export': ['meter', 'from', 'to', 'tz', 'format'],
};
const UPLOAD_PARAMETERS = ['meter', 'unit', 'tz', 'on_conflict', 'mode', 'time_label'];

/** Text that only internals produce: stack frames, SQL and driver errors, addresses. */
const INTERNALS =
  /SQLSTATE|syntax error|relation "|violates|duplicate key|\bselect\b[\s\S]*\bfrom\b|insert into|kysely|node_modules|\.[jt]s:\d+|\n\s+at |\bat \S+ \(|ECONNREFUSED|127\.0\.0\.1/i;

const NUM_RUNS = 300;

// ---- arbitraries -------------------------------------------------------------------------------

const edgeValues = fc.constantFrom(
  '', ' ', '0', '-1', '1', '10000', '10001', '1e309', '-Infinity', '9'.repeat(400), 'NaN', 'Infinity', '-0', '0x10', '1.5', 'true', 'null', '[]', '{}',
  '__proto__', 'constructor', '%', '%zz', '%00', '%E0%A4', '%C0%AF', '%uD800', '\u0000', '\uFEFF', '\uD800',
  '2019-01-01', '2019-02-30', '2019-13-01', '0000-01-01', '9999-12-31T23:59:59Z', '+275760-09-13T00:00:00Z', '-271821-04-20T00:00:00Z',
  '2019-03-31T02:30:00', '2019-01-01T00:00:00+25:00', '2019-01-01T00:00:00.123456789Z', '2019-01-01t00:00:00z',
  'UTC', 'Europe/Amsterdam', 'Etc/GMT+14', 'Etc/GMT+15', 'Mars/Phobos', 'utc', 'EST5EDT', 'Factory', 'localtime', '../../etc/passwd',
  'hour', 'day', 'week', 'month', '15m', 'year', 'csv', 'ndjson', 'update', 'skip', 'reject', 'atomic', 'partial', 'start', 'end',
  'meter-1', 'syn-0001', 'a'.repeat(64), 'a'.repeat(65), "' or 1=1 --", 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
);

/** Arbitrary parameter values: edge cases, numbers, instants, and strings of any code point (lone surrogates included). */
const anyValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: edgeValues },
  { weight: 2, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), fc.double()).map(String) },
  {
    weight: 2,
    arbitrary: fc
      .date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true })
      .chain((date) => fc.constantFrom(date.toISOString(), date.toISOString().slice(0, 10), date.toISOString().replace('Z', '+05:30'))),
  },
  // Long, yet short enough that 6 of them percent-encoded stay under Node's 16 KiB header limit (431 otherwise, tested below).
  { weight: 1, arbitrary: fc.string({ minLength: 500, maxLength: 800 }) },
);

/** A nextPageToken of a real page (set once the processes run): tampered with, it must be a 400, never a 5xx. */
let realPageToken = '';

const instant = fc
  .date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
  .chain((date) => fc.constantFrom(date.toISOString(), date.toISOString().slice(0, 10), date.toISOString().replace('.000Z', '+14:00'), date.toISOString().replace(/\.\d+Z/, '-00:30')));

/** Values that pass (or nearly pass) each parameter's schema, so the request reaches grpc-server and its semantic checks. */
const PLAUSIBLE: Record<string, fc.Arbitrary<string>> = {
  meter: fc.constantFrom('meter-1', 'no-such-meter', 'a'.repeat(64), 'a:b.c-d_e', '-', '.', 'METER-1'),
  from: fc.oneof(instant, fc.constantFrom('2019-01-01', '2019-01-17T02:00:00Z', '2019-03-31', '2019-10-27', '1970-01-01', '0001-01-01', '9999-12-31', '2019-01-01T00:07:00Z')),
  to: fc.oneof(instant, fc.constantFrom('2019-01-02', '2019-02-01', '2019-04-01', '2020-01-01', '1970-01-01', '0001-01-02', '9999-12-31', '2019-01-01T00:00:00.5Z')),
  tz: fc.constantFrom('UTC', 'Europe/Amsterdam', 'America/St_Johns', 'Asia/Kathmandu', 'Pacific/Kiritimati', 'Etc/GMT+12', 'Australia/Lord_Howe', 'Antarctica/Troll', 'EST', 'US/Pacific', 'Z', '+01:00', 'Etc/Unknown'),
  page_size: fc.oneof(fc.integer({ min: -5, max: 20_000 }).map(String), fc.constantFrom('Infinity', '-Infinity', '1e400', '1e3', '1.0', '0x10', ' 5')),
  page_token: fc.nat({ max: 5 }).chain((variant) =>
    fc.nat({ max: Math.max(0, realPageToken.length - 1) }).map((at) =>
      [
        realPageToken,
        realPageToken.slice(0, at),
        `${realPageToken.slice(0, at)}${realPageToken[at] === 'A' ? 'B' : 'A'}${realPageToken.slice(at + 1)}`,
        `${realPageToken}A`,
        Buffer.from('{"offset":-1}').toString('base64url'),
        'AAAA.BBBB',
      ][variant]!,
    ),
  ),
  bucket: fc.constantFrom('15m', 'hour', 'day', 'week', 'month', 'Hour', 'days'),
  format: fc.constantFrom('csv', 'ndjson', 'json'),
  unit: fc.constantFrom('kWh', 'Wh', 'm³', 'x'.repeat(17)),
  on_conflict: fc.constantFrom('update', 'skip', 'reject', 'merge'),
  mode: fc.constantFrom('atomic', 'partial', 'none'),
  time_label: fc.constantFrom('start', 'end', 'middle'),
};

const TRICKY_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'meter[]', 'from[0]', 'page_size[]', '', 'a[b]', '%', '%zz', 'form'];

/** A key and its value: a known key (most of the time) with a plausible or arbitrary value, a tricky key, or an unknown one. */
const pairOf = (known: readonly string[]): fc.Arbitrary<{ key: string; value: string }> =>
  fc.oneof(
    ...(known.length > 0
      ? [{ weight: 6, arbitrary: fc.constantFrom(...known).chain((key) => fc.record({ key: fc.constant(key), value: fc.oneof({ weight: 3, arbitrary: PLAUSIBLE[key]! }, { weight: 2, arbitrary: anyValue }) })) }]
      : []),
    { weight: 1, arbitrary: fc.record({ key: fc.constantFrom(...TRICKY_KEYS), value: anyValue }) },
    { weight: 1, arbitrary: fc.record({ key: fc.string({ maxLength: 12 }), value: anyValue }) },
  );

/**
 * How one key or value is written into the URL: percent-encoded UTF-8, or raw where the HTTP parser
 * takes it (printable ASCII, so percent garbage, quotes and braces pass through as typed). Bytes the
 * parser refuses (controls, DEL, raw Latin-1) never reach the app; they have their own tests below.
 */
const encoding = fc.constantFrom<'encoded' | 'raw'>('encoded', 'raw');

function percentEncode(text: string): string {
  // Buffer.from writes a lone surrogate as U+FFFD instead of throwing like encodeURIComponent.
  return [...Buffer.from(text, 'utf8')].map((byte) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

function writeRaw(text: string): string {
  return [...text].map((char) => (/^[\u0021-\u007e]$/.test(char) ? char : percentEncode(char))).join('');
}

const write = (text: string, how: 'encoded' | 'raw') => (how === 'encoded' ? percentEncode(text) : writeRaw(text));

interface QueryCase {
  query: string;
  /** Every key and value as generated, to tell an echo of the input from a leak. */
  inputs: string[];
}

/** A query string of up to 6 pairs over the given keys (repeats make arrays), some without "=". */
const queryOf = (known: readonly string[]): fc.Arbitrary<QueryCase> =>
  fc
    .array(fc.record({ pair: pairOf(known), keyEncoding: encoding, valueEncoding: encoding, bare: fc.nat({ max: 9 }).map((n) => n === 0) }), { maxLength: 6 })
    .map((entries) => entries.map(({ pair, ...how }) => ({ ...pair, ...how })))
    .map((pairs) => ({
      query: pairs.map((pair) => (pair.bare ? write(pair.key, pair.keyEncoding) : `${write(pair.key, pair.keyEncoding)}=${write(pair.value, pair.valueEncoding)}`)).join('&'),
      inputs: pairs.flatMap((pair) => [pair.key, pair.value]),
    }));

// ---- the processes -----------------------------------------------------------------------------

describe('query validation of every route (property-based, real processes)', () => {
  let database: TestDatabase;
  let grpcServer: AppProcess & { port: number };
  let gateway: AppProcess;
  let baseUrl: URL;
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });

  beforeAll(async () => {
    database = await createTestDatabase('gateway_properties');
    grpcServer = await startGrpcServer({ DATABASE_URL: database.url, CSV_PATH: SAMPLE_CSV_PATH, METER_ID: 'meter-1' });
    const httpPort = await freePort();
    gateway = startApp('gateway', { HTTP_PORT: String(httpPort), HTTP_HOST: '127.0.0.1', GRPC_TARGET: `127.0.0.1:${grpcServer.port}` });
    await gateway.waitForLog((line) => String(line.msg).startsWith('dashboard at'));
    baseUrl = new URL(`http://127.0.0.1:${httpPort}`);
    const firstPage = await send('GET', '/api/readings?page_size=1');
    realPageToken = (JSON.parse(firstPage.text) as { nextPageToken: string }).nextPageToken;
    expect(realPageToken).not.toBe('');
  }, 90_000);

  afterAll(async () => {
    agent.destroy();
    await gateway?.stop();
    await grpcServer?.stop();
    await database?.drop();
  });

  /** One raw HTTP request: the path goes on the request line exactly as given. */
  const send = (method: string, path: string, body?: { contentType: string | undefined; payload: Buffer }): Promise<Response> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = {};
      if (body?.contentType !== undefined) headers['content-type'] = body.contentType;
      if (body !== undefined) headers['content-length'] = String(body.payload.length);
      const request = httpRequest({ host: baseUrl.hostname, port: baseUrl.port, method, path, headers, agent, timeout: 15_000 }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      });
      request.on('timeout', () => request.destroy(new Error(`${method} ${path}: no answer in 15 s`)));
      request.on('error', reject);
      request.end(body?.payload);
    });

  /** Statuses seen per property, to show (and check) that generated requests reach grpc-server as well as being refused. */
  const statusesSeen = new Map<string, Map<number, number>>();
  const tally = (property: string, status: number) => {
    const seen = statusesSeen.get(property) ?? new Map<number, number>();
    statusesSeen.set(property, seen.set(status, (seen.get(status) ?? 0) + 1));
  };

  /** The properties every answer must have; `inputs` may be echoed in messages (that is not a leak). */
  const expectWellFormed = (method: string, path: string, response: Response, inputs: string[]) => {
    tally(`${method} ${path.split('?')[0]!.startsWith('/api/') && Object.hasOwn(GET_ROUTES, path.split('?')[0]!) ? path.split('?')[0] : '(any path)'}`, response.status);
    const where = `${method} ${path} → ${response.status} ${response.text.slice(0, 300)}`;
    if (response.status >= 500) throw new Error(`5xx: ${where}`);
    const isJson = String(response.headers['content-type']).startsWith('application/json');
    if (method === 'HEAD' || response.status < 400) {
      if (isJson && method !== 'HEAD') JSON.parse(response.text);
      return;
    }
    if (!isJson) throw new Error(`a ${response.status} that is not JSON: ${where}`);
    const body = JSON.parse(response.text) as { error?: { code?: unknown; message?: unknown; details?: { field?: unknown; description?: unknown }[] } } & { committed?: unknown };
    if (response.status === 422 && method === 'POST' && body.committed === false) return; // an upload's report: rows refused, nothing written
    const error = body.error;
    if (typeof error?.code !== 'string' || error.code === '' || typeof error.message !== 'string' || error.message === '') {
      throw new Error(`a ${response.status} without {error:{code,message}}: ${where}`);
    }
    const echoes = [...inputs, ...inputs.map(safeDecode), path, safeDecode(path)].filter((input) => input.length > 0).sort((a, b) => b.length - a.length);
    const texts = [error.message, ...(error.details ?? []).flatMap((detail) => [String(detail.field), String(detail.description)])];
    for (const text of texts) {
      const withoutEchoes = echoes.reduce((rest, input) => rest.split(input).join(' '), text);
      if (INTERNALS.test(withoutEchoes)) throw new Error(`internals in a ${response.status}: ${where}`);
    }
  };

  it.each(Object.entries(GET_ROUTES))('GET %s: no query gets a 5xx, each 4xx is a JSON error without internals', async (path, known) => {
    await fc.assert(
      fc.asyncProperty(queryOf(known), async ({ query, inputs }) => {
        const url = query === '' ? path : `${path}?${query}`;
        expectWellFormed('GET', url, await send('GET', url), inputs);
      }),
      { numRuns: NUM_RUNS },
    );
  }, 120_000);

  it('POST /api/readings: no query, body or content type gets a 5xx', async () => {
    const contentType = fc.oneof(
      { weight: 3, arbitrary: fc.constant('text/csv') },
      fc.constantFrom(
        undefined, 'text/csv', 'application/csv', 'text/csv; charset=utf-8', 'TEXT/CSV', 'text/csv;;;', 'text/csv; charset=latin1', 'application/json',
        'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', '', 'text/csv, application/json',
      ),
      fc.string({ maxLength: 30 }).filter((text) => text.trim() === text),
    );
    const payload = fc.oneof(
      { weight: 2, arbitrary: fc.constantFrom('time,meterusage\n2019-02-01 00:15:00,1.5\n2019-02-01 00:30:00,NaN\n', '2019-02-01 01:00:00,3') },
      fc.constantFrom(
        'time,meterusage\n2019-02-01 00:15:00,1.5\n2019-02-01 00:30:00,NaN\n',
        '\uFEFFtime,meterusage\r\n2019-02-01 00:45:00,2\r\n',
        '2019-02-01 01:00:00,3',
        'meter_id,time,meterusage\nprops-b,2019-02-01 00:15:00,1\n',
        'time,meterusage\n2019-03-31 02:30:00,1\n',
        'time,meterusage\n2019-02-01 00:15:00,-1\n',
        '{}', '{"a":1}', '[]', '{', 'a=b&c', '', '\u0000\u0001\u0002',
      ),
      fc.string({ maxLength: 200 }),
      fc.string({ unit: 'binary', maxLength: 100 }),
    ).map((text) => Buffer.from(text, 'utf8'));
    const body = fc.record({ contentType, payload: fc.oneof(payload, fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes))) });
    await fc.assert(
      fc.asyncProperty(queryOf(UPLOAD_PARAMETERS), body, async ({ query, inputs }, upload) => {
        const url = query === '' ? '/api/readings' : `/api/readings?${query}`;
        expectWellFormed('POST', url, await send('POST', url, upload), inputs);
      }),
      { numRuns: NUM_RUNS },
    );
  }, 120_000);

  it('any method on any path (meter ids, encoded and raw characters, traversal) gets no 5xx', async () => {
    const prefix = fc.constantFrom('/api/', '/api/readings/', '/api/meters/', '/api/usage/', '/api/export/', '/', '/docs/', '/vendor/uplot/', '//api/', '/healthz/', '/metrics/', '/api/readings');
    const segment = fc.oneof(
      anyValue,
      fc.constantFrom('..', '%2e%2e', '..%2f..%2fetc%2fpasswd', '%2F', '%252F', '%00', '.', '~', 'meter-1', 'json', 'index.html', 'uPlot.min.js', '%E2%80%AE', '%C3%28'),
    );
    const path = fc.tuple(prefix, fc.array(fc.tuple(segment, encoding), { maxLength: 3 }), fc.option(queryOf(['meter', 'from', 'to']), { nil: undefined })).map(([start, parts, query]) => ({
      path: `${start}${parts.map(([part, how]) => write(part, how)).join('/')}${query ? `?${query.query}` : ''}`,
      inputs: [...parts.map(([part]) => part), ...(query?.inputs ?? [])],
    }));
    const method = fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS');
    await fc.assert(
      fc.asyncProperty(method, path, async (verb, { path: url, inputs }) => {
        const response = await send(verb, url, verb === 'POST' || verb === 'PUT' || verb === 'PATCH' ? { contentType: 'text/csv', payload: Buffer.from('x') } : undefined);
        expectWellFormed(verb, url, response, inputs);
      }),
      { numRuns: NUM_RUNS * 2 },
    );
  }, 120_000);

  // Found by the properties above (minimal input page_size=Infinity): ajv's coercion turned it into
  // Infinity, which passed integer/minimum/maximum and failed int32 serialisation in grpc-js (500).
  it.each(['Infinity', '-Infinity', '1e400'])('GET /api/readings?page_size=%s is a 400 naming page_size', async (pageSize) => {
    const response = await send('GET', `/api/readings?page_size=${pageSize}`);
    expect([response.status, JSON.parse(response.text)]).toEqual([
      400,
      { error: { code: 'INVALID_ARGUMENT', message: 'page_size: must be an integer from 1 to 10000', details: [{ field: 'page_size', description: 'must be an integer from 1 to 10000' }] } },
    ]);
  });

  // Requests refused before any route runs (found by the properties above): they once answered with
  // Fastify's default body instead of {error:{code,message}}, and a request line the parser refused
  // got no "Connection: close" although the socket was then destroyed, so a keep-alive client could
  // send its next request into a closed socket ("socket hang up").
  it('GET with malformed percent-encoding in the path (/api/%) answers the JSON error body', async () => {
    const response = await send('GET', '/api/%');
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toEqual({ error: { code: 'INVALID_ARGUMENT', message: expect.any(String) } });
  });

  it('a request line the HTTP parser refuses (a raw 0xFF byte) answers the JSON error body and Connection: close', async () => {
    const answer = await sendRaw(baseUrl, Buffer.from('GET /api/readings?tz=\xff HTTP/1.1\r\nHost: x\r\n\r\n', 'latin1'));
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toMatch(/\r\nconnection: close\r\n/i);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({ error: { code: 'INVALID_ARGUMENT', message: expect.any(String) } });
  });

  it('a URL over the 16 KiB header limit answers 431 with the JSON error body', async () => {
    const answer = await sendRaw(baseUrl, Buffer.from(`GET /api/readings?tz=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 'latin1'));
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
  });

  it('leaves the gateway running, ready, and without an error logged', async () => {
    const health = await send('GET', '/healthz');
    expect([health.status, JSON.parse(health.text)]).toEqual([200, { status: 'ok' }]);
    const ready = await send('GET', '/readyz');
    expect([ready.status, JSON.parse(ready.text)]).toEqual([200, { status: 'SERVING' }]);
    expect([gateway.child.exitCode, grpcServer.child.exitCode]).toEqual([null, null]);
    const errors = (app: AppProcess) => app.logs.filter((line) => typeof line.level === 'number' && line.level >= 50);
    expect(errors(gateway)).toEqual([]);
    expect(errors(grpcServer)).toEqual([]);
    expect(gateway.output.filter((line) => /uncaught|unhandled/i.test(line))).toEqual([]);
  });

  it('generated requests were both answered (2xx) and refused (4xx) on every query route', () => {
    const summary = Object.fromEntries([...statusesSeen].map(([property, seen]) => [property, Object.fromEntries([...seen].sort(([a], [b]) => a - b))]));
    for (const route of [...Object.keys(GET_ROUTES).map((path) => `GET ${path}`), 'POST /api/readings']) {
      const statuses = [...(statusesSeen.get(route)?.keys() ?? [])];
      expect({ route, answered: statuses.some((status) => status < 300), refused: statuses.some((status) => status >= 400), summary }).toEqual({
        route,
        answered: true,
        refused: true,
        summary,
      });
    }
  });
});

/** Writes bytes to a new connection and returns everything the server sends until it closes (or 5 s pass). */
function sendRaw(baseUrl: URL, bytes: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(baseUrl.port), baseUrl.hostname, () => socket.write(bytes));
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), 5_000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
  });
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}
