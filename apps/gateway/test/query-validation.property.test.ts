import fc from 'fast-check';
import type { AppProcess } from '@meterusage/testing';
import { rawJsonBody, sendRaw, startHttpStack, type HttpAnswer, type HttpStack } from './support/http-stack';

// Property-based tests of every route's request validation, against real processes (grpc-server on
// its own database, the gateway in front, raw HTTP so the request line is exactly what we generate):
// whatever the query, path, body or content type, the answer is never a 5xx, every 4xx is the JSON
// error body in our words (no validator library's phrases), nothing internal (stack, SQL, addresses)
// leaks, every time printed is RFC 3339 with a four-digit year, and the gateway survives it all.

type Response = HttpAnswer;

/** Query parameters each route declares; others must be refused with 400. */
const GET_ROUTES: Record<string, readonly string[]> = {
  '/api/meters': [],
  '/api/readings': ['meter', 'from', 'to', 'tz', 'as_of', 'page_size', 'page_token'],
  '/api/usage': ['meter', 'from', 'to', 'tz', 'as_of', 'bucket', 'shape', 'quantity'],
  '/api/summary': ['meter', 'from', 'to', 'tz', 'as_of'],
  '/api/profile': ['meter', 'from', 'to', 'tz', 'as_of', 'bucket', 'group'],
  '/api/export': ['meter', 'from', 'to', 'tz', 'as_of', 'format'],
  '/api/readings/history': ['meter', 'from', 'to', 'tz', 'page_size', 'page_token'],
  '/api/uploads': ['meter', 'page_size', 'page_token'],
};
/** The writes besides uploads: their path (with the id to fill in) and query parameters. */
const WRITE_ROUTES: Record<string, readonly string[]> = {
  '/api/uploads/{id}/revert': ['force', 'dry_run'],
  '/api/meters/{id}/estimate': ['from', 'to', 'tz', 'method', 'max_gap', 'weeks', 'dry_run'],
};
const UPLOAD_PARAMETERS = ['meter', 'unit', 'tz', 'on_conflict', 'mode', 'time_label'];

/** Text that only internals produce: stack frames, SQL and driver errors, addresses. */
const INTERNALS =
  /SQLSTATE|syntax error|relation "|violates|duplicate key|\bselect\b[\s\S]*\bfrom\b|insert into|kysely|node_modules|\.[jt]s:\d+|\n\s+at |\bat \S+ \(|ECONNREFUSED|127\.0\.0\.1/i;

/** Phrases of ajv and Fastify's defaults: a message of ours never contains them. */
const LIBRARY_PHRASES =
  /must NOT have|must match pattern|must be equal to one of the allowed values|must match format|must match "anyOf"|must match exactly one|must have required property|must be (integer|string|number|boolean|array|object|null)\b|must be [<>]=|Unsupported Media Type:|is not a valid url component|Body is not valid JSON|FST_ERR/;

/** A time anywhere in a successful answer (JSON, CSV or NDJSON) must have exactly this shape. */
const TIME_LIKE = /[+-]?\d{4,}-\d\d-\d\d[T ]\d\d:[^,"\s]*/g;
const RFC3339_OUT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/;

const NUM_RUNS = 300;

// ---- arbitraries -------------------------------------------------------------------------------

const edgeValues = fc.constantFrom(
  '',
  ' ',
  '0',
  '-1',
  '1',
  '10000',
  '10001',
  '1e309',
  '-Infinity',
  '9'.repeat(400),
  'NaN',
  'Infinity',
  '-0',
  '0x10',
  '1.5',
  'true',
  'null',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  '%',
  '%zz',
  '%00',
  '%E0%A4',
  '%C0%AF',
  '%uD800',
  '\u0000',
  '\uFEFF',
  '\uD800',
  '2019-01-01',
  '2019-02-30',
  '2019-13-01',
  '0000-01-01',
  '9999-12-31T23:59:59Z',
  '+275760-09-13T00:00:00Z',
  '-271821-04-20T00:00:00Z',
  '2019-03-31T02:30:00',
  '2019-01-01T00:00:00+25:00',
  '2019-01-01T00:00:00.123456789Z',
  '2019-01-01t00:00:00z',
  'UTC',
  'Europe/Amsterdam',
  'Etc/GMT+14',
  'Etc/GMT+15',
  'Mars/Phobos',
  'utc',
  'EST5EDT',
  'Factory',
  'localtime',
  '../../etc/passwd',
  'hour',
  'day',
  'week',
  'month',
  '15m',
  'year',
  'csv',
  'ndjson',
  'update',
  'skip',
  'reject',
  'atomic',
  'partial',
  'start',
  'end',
  'meter-1',
  'syn-0001',
  'a'.repeat(64),
  'a'.repeat(65),
  "' or 1=1 --",
  'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
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
  .chain((date) =>
    fc.constantFrom(
      date.toISOString(),
      date.toISOString().slice(0, 10),
      date.toISOString().replace('.000Z', '+14:00'),
      date.toISOString().replace(/\.\d+Z/, '-00:30'),
    ),
  );

/** Values that pass (or nearly pass) each parameter's schema, so the request reaches grpc-server and its semantic checks. */
const PLAUSIBLE: Record<string, fc.Arbitrary<string>> = {
  meter: fc.constantFrom('meter-1', 'no-such-meter', 'a'.repeat(64), 'a:b.c-d_e', '-', '.', 'METER-1'),
  from: fc.oneof(
    instant,
    fc.constantFrom('2019-01-01', '2019-01-17T02:00:00Z', '2019-03-31', '2019-10-27', '1970-01-01', '0001-01-01', '9999-12-31', '2019-01-01T00:07:00Z'),
  ),
  to: fc.oneof(
    instant,
    fc.constantFrom('2019-01-02', '2019-02-01', '2019-04-01', '2020-01-01', '1970-01-01', '0001-01-02', '9999-12-31', '2019-01-01T00:00:00.5Z'),
  ),
  tz: fc.constantFrom(
    'UTC',
    'Europe/Amsterdam',
    'America/St_Johns',
    'Asia/Kathmandu',
    'Pacific/Kiritimati',
    'Etc/GMT+12',
    'Australia/Lord_Howe',
    'Antarctica/Troll',
    'EST',
    'US/Pacific',
    'Z',
    '+01:00',
    'Etc/Unknown',
  ),
  page_size: fc.oneof(fc.integer({ min: -5, max: 20_000 }).map(String), fc.constantFrom('Infinity', '-Infinity', '1e400', '1e3', '1.0', '0x10', ' 5')),
  page_token: fc
    .nat({ max: 5 })
    .chain((variant) =>
      fc
        .nat({ max: Math.max(0, realPageToken.length - 1) })
        .map(
          (at) =>
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
  shape: fc.constantFrom('rows', 'columns', 'Columns', 'table'),
  unit: fc.constantFrom('kWh', 'Wh', 'm³', 'x'.repeat(17)),
  on_conflict: fc.constantFrom('update', 'skip', 'reject', 'merge'),
  mode: fc.constantFrom('atomic', 'partial', 'none'),
  time_label: fc.constantFrom('start', 'end', 'middle'),
  as_of: fc.oneof(instant, fc.constantFrom('2019-01-20T00:00:00Z', '2100-01-01T00:00:00Z', '0001-01-01T00:00:00Z', '9999-12-31')),
  method: fc.constantFrom('linear', 'profile', 'Linear', 'spline'),
  max_gap: fc.oneof(fc.integer({ min: -2, max: 12_000 }).map(String), fc.constantFrom('Infinity', '1e400', '0')),
  weeks: fc.oneof(fc.integer({ min: -1, max: 60 }).map(String), fc.constantFrom('Infinity', '52', '53')),
  group: fc.constantFrom('all', 'weekday', 'weekend', 'Weekday', 'holiday'),
  quantity: fc.constantFrom('energy', 'power', 'Power', 'current'),
  force: fc.constantFrom('true', 'false', '1', 'yes'),
  dry_run: fc.constantFrom('true', 'false', '1', 'yes'),
};

const TRICKY_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'meter[]',
  'from[0]',
  'page_size[]',
  '',
  'a[b]',
  '%',
  '%zz',
  'form',
];

/** A key and its value: a known key (most of the time) with a plausible or arbitrary value, a tricky key, or an unknown one. */
const pairOf = (known: readonly string[]): fc.Arbitrary<{ key: string; value: string }> =>
  fc.oneof(
    ...(known.length > 0
      ? [
          {
            weight: 6,
            arbitrary: fc
              .constantFrom(...known)
              .chain((key) =>
                fc.record({ key: fc.constant(key), value: fc.oneof({ weight: 3, arbitrary: PLAUSIBLE[key]! }, { weight: 2, arbitrary: anyValue }) }),
              ),
          },
        ]
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
  return [...Buffer.from(text, 'utf8')]
    .map((byte) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
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
      query: pairs
        .map((pair) => (pair.bare ? write(pair.key, pair.keyEncoding) : `${write(pair.key, pair.keyEncoding)}=${write(pair.value, pair.valueEncoding)}`))
        .join('&'),
      inputs: pairs.flatMap((pair) => [pair.key, pair.value]),
    }));

// ---- the processes -----------------------------------------------------------------------------

describe('query validation of every route (property-based, real processes)', () => {
  let stack: HttpStack;
  let baseUrl: URL;

  beforeAll(async () => {
    stack = await startHttpStack('gateway_properties');
    baseUrl = stack.baseUrl;
    const firstPage = await send('GET', '/api/readings?page_size=1');
    realPageToken = (JSON.parse(firstPage.text) as { nextPageToken: string }).nextPageToken;
    expect(realPageToken).not.toBe('');
  }, 90_000);

  afterAll(async () => {
    await stack?.close();
  });

  /** One raw HTTP request: the path goes on the request line exactly as given. */
  const send = (method: string, path: string, body?: { contentType: string | undefined; payload: Buffer }): Promise<Response> =>
    stack.send(
      method,
      path,
      body === undefined ? {} : { headers: body.contentType === undefined ? {} : { 'content-type': body.contentType }, body: body.payload },
    );

  /** Statuses seen per property, to show (and check) that generated requests reach grpc-server as well as being refused. */
  const statusesSeen = new Map<string, Map<number, number>>();
  const tally = (property: string, status: number) => {
    const seen = statusesSeen.get(property) ?? new Map<number, number>();
    statusesSeen.set(property, seen.set(status, (seen.get(status) ?? 0) + 1));
  };

  /** The properties every answer must have; `inputs` may be echoed in messages (that is not a leak). */
  const expectWellFormed = (method: string, path: string, response: Response, inputs: string[]) => {
    tally(
      `${method} ${path.split('?')[0]!.startsWith('/api/') && Object.hasOwn(GET_ROUTES, path.split('?')[0]!) ? path.split('?')[0] : '(any path)'}`,
      response.status,
    );
    const where = `${method} ${path} → ${response.status} ${response.text.slice(0, 300)}`;
    if (response.status >= 500) throw new Error(`5xx: ${where}`);
    const isJson = String(response.headers['content-type']).startsWith('application/json');
    if (response.status === 405 && typeof response.headers.allow !== 'string') throw new Error(`a 405 without Allow: ${where}`);
    if (method === 'HEAD' || response.status < 400) {
      if (isJson && method !== 'HEAD') JSON.parse(response.text);
      // An input the answer echoes (a meter id such as "-000001-12-31T23:59:59.999Z" in an upload's
      // report) is the client's own text, not a time the server wrote.
      if (response.status < 300 && path.startsWith('/api/')) expectTimesWellFormed(withoutTimeEchoes(response.text, inputs), where);
      return;
    }
    if (!isJson) throw new Error(`a ${response.status} that is not JSON: ${where}`);
    const body = JSON.parse(response.text) as { error?: { code?: unknown; message?: unknown; details?: { field?: unknown; description?: unknown }[] } } & {
      committed?: unknown;
    };
    if (response.status === 422 && method === 'POST' && body.committed === false) return; // an upload's report: rows refused, nothing written
    const error = body.error;
    if (typeof error?.code !== 'string' || error.code === '' || typeof error.message !== 'string' || error.message === '') {
      throw new Error(`a ${response.status} without {error:{code,message}}: ${where}`);
    }
    const echoes = echoesOf([...inputs, path]);
    const texts = [error.message, ...(error.details ?? []).flatMap((detail) => [String(detail.field), String(detail.description)])];
    for (const text of texts) {
      const withoutEchoes = echoes.reduce((rest, input) => rest.split(input).join(' '), text);
      if (INTERNALS.test(withoutEchoes)) throw new Error(`internals in a ${response.status}: ${where}`);
      if (LIBRARY_PHRASES.test(withoutEchoes)) throw new Error(`a library's words, not ours, in a ${response.status}: ${where}`);
    }
  };

  it.each(Object.entries(GET_ROUTES))(
    'GET %s: no query gets a 5xx, each 4xx is a JSON error without internals',
    async (path, known) => {
      await fc.assert(
        fc.asyncProperty(queryOf(known), async ({ query, inputs }) => {
          const url = query === '' ? path : `${path}?${query}`;
          const plain = await send('GET', url);
          expectWellFormed('GET', url, plain, inputs);
          // A conditional request matching anything is answered 304 only where the plain one was a
          // 200 (cached routes); a refusal stays the same refusal.
          const conditional = await stack.send('GET', url, { headers: { 'if-none-match': '*' } });
          if (plain.status === 200) expect([200, 304]).toContain(conditional.status);
          else expect([conditional.status, conditional.text]).toEqual([plain.status, plain.text]);
        }),
        { numRuns: NUM_RUNS },
      );
    },
    120_000,
  );

  it('POST /api/readings: no query, body or content type gets a 5xx', async () => {
    const contentType = fc.oneof(
      { weight: 3, arbitrary: fc.constant('text/csv') },
      fc.constantFrom(
        undefined,
        'text/csv',
        'application/csv',
        'text/csv; charset=utf-8',
        'TEXT/CSV',
        'text/csv;;;',
        'text/csv; charset=latin1',
        'application/json',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/octet-stream',
        '',
        'text/csv, application/json',
      ),
      fc.string({ maxLength: 30 }).filter((text) => text.trim() === text),
    );
    const payload = fc
      .oneof(
        { weight: 2, arbitrary: fc.constantFrom('time,meterusage\n2019-02-01 00:15:00,1.5\n2019-02-01 00:30:00,NaN\n', '2019-02-01 01:00:00,3') },
        fc.constantFrom(
          'time,meterusage\n2019-02-01 00:15:00,1.5\n2019-02-01 00:30:00,NaN\n',
          '\uFEFFtime,meterusage\r\n2019-02-01 00:45:00,2\r\n',
          '2019-02-01 01:00:00,3',
          'meter_id,time,meterusage\nprops-b,2019-02-01 00:15:00,1\n',
          'time,meterusage\n2019-03-31 02:30:00,1\n',
          'time,meterusage\n2019-02-01 00:15:00,-1\n',
          '{}',
          '{"a":1}',
          '[]',
          '{',
          'a=b&c',
          '',
          '\u0000\u0001\u0002',
        ),
        fc.string({ maxLength: 200 }),
        fc.string({ unit: 'binary', maxLength: 100 }),
      )
      .map((text) => Buffer.from(text, 'utf8'));
    const body = fc.record({
      contentType,
      payload: fc.oneof(
        payload,
        fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
      ),
    });
    await fc.assert(
      fc.asyncProperty(queryOf(UPLOAD_PARAMETERS), body, async ({ query, inputs }, upload) => {
        const url = query === '' ? '/api/readings' : `/api/readings?${query}`;
        expectWellFormed('POST', url, await send('POST', url, upload), inputs);
      }),
      { numRuns: NUM_RUNS },
    );
  }, 120_000);

  it('any method on any path (meter ids, encoded and raw characters, traversal) gets no 5xx', async () => {
    const prefix = fc.constantFrom(
      '/api/',
      '/api/readings/',
      '/api/meters/',
      '/api/usage/',
      '/api/export/',
      '/',
      '/docs/',
      '/vendor/uplot/',
      '//api/',
      '/healthz/',
      '/metrics/',
      '/api/readings',
    );
    const segment = fc.oneof(
      anyValue,
      fc.constantFrom(
        '..',
        '%2e%2e',
        '..%2f..%2fetc%2fpasswd',
        '%2F',
        '%252F',
        '%00',
        '.',
        '~',
        'meter-1',
        'json',
        'index.html',
        'uPlot.min.js',
        '%E2%80%AE',
        '%C3%28',
      ),
    );
    const path = fc
      .tuple(prefix, fc.array(fc.tuple(segment, encoding), { maxLength: 3 }), fc.option(queryOf(['meter', 'from', 'to']), { nil: undefined }))
      .map(([start, parts, query]) => ({
        path: `${start}${parts.map(([part, how]) => write(part, how)).join('/')}${query ? `?${query.query}` : ''}`,
        inputs: [...parts.map(([part]) => part), ...(query?.inputs ?? [])],
      }));
    const method = fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS');
    await fc.assert(
      fc.asyncProperty(method, path, async (verb, { path: url, inputs }) => {
        const response = await send(
          verb,
          url,
          verb === 'POST' || verb === 'PUT' || verb === 'PATCH' ? { contentType: 'text/csv', payload: Buffer.from('x') } : undefined,
        );
        expectWellFormed(verb, url, response, inputs);
      }),
      { numRuns: NUM_RUNS * 2 },
    );
  }, 120_000);

  it.each(Object.entries(WRITE_ROUTES))(
    'POST %s: no id or query gets a 5xx, each 4xx is a JSON error without internals',
    async (route, known) => {
      const id = fc.oneof(
        {
          weight: 3,
          arbitrary: route.includes('meters') ? PLAUSIBLE.meter! : fc.constantFrom('1', '2', '3', '999999', '9223372036854775807', '9223372036854775808'),
        },
        { weight: 1, arbitrary: anyValue.filter((value) => value !== '') },
      );
      // Besides random queries, valid ones (every parameter, within its rules, a range of a few days
      // of the seeded month) so that writes are carried out too, and their answers checked.
      const VALID: Record<string, fc.Arbitrary<string>> = {
        tz: fc.constantFrom('UTC', 'Europe/Amsterdam', 'Asia/Kathmandu'),
        method: fc.constantFrom('linear', 'profile'),
        max_gap: fc.integer({ min: 1, max: 20 }).map(String),
        weeks: fc.integer({ min: 1, max: 8 }).map(String),
        force: fc.constantFrom('true', 'false'),
        dry_run: fc.constantFrom('true', 'false'),
      };
      // Days of the seeded month, or of the first and last month the API speaks of (what a method
      // looks at around the range then lies outside years 0001-9999).
      const window = fc
        .tuple(fc.constantFrom('2019-01', '2019-01', '0001-01', '9999-12'), fc.integer({ min: 1, max: 25 }), fc.integer({ min: 1, max: 6 }))
        .map(([month, day, days]) => ({
          from: `${month}-${String(day).padStart(2, '0')}`,
          to: `${month}-${String(day + days).padStart(2, '0')}`,
        }));
      const valid: fc.Arbitrary<QueryCase> = fc
        .tuple(window, ...known.filter((key) => key !== 'from' && key !== 'to').map((key) => VALID[key]!.map((value) => ({ key, value }))))
        .map(([range, ...pairs]) => {
          const all = [
            ...(known.includes('from')
              ? [
                  { key: 'from', value: range.from },
                  { key: 'to', value: range.to },
                ]
              : []),
            ...pairs,
          ];
          return { query: all.map(({ key, value }) => `${key}=${percentEncode(value)}`).join('&'), inputs: all.map(({ value }) => value) };
        });
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(id, encoding, fc.oneof(queryOf(known), valid), async (idValue, how, { query, inputs }) => {
          const path = route.replace('{id}', write(idValue, how));
          const url = query === '' ? path : `${path}?${query}`;
          const response = await send('POST', url);
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          // An upload id of digits comes back as revertedUploadId: not an echo to strip from times.
          expectWellFormed('POST', url, response, /^\d+$/.test(idValue) ? inputs : [idValue, ...inputs]);
        }),
        { numRuns: NUM_RUNS },
      );
      // The generated writes reached grpc-server and were carried out, not only refused.
      console.log(`${route}: ${JSON.stringify(Object.fromEntries(statuses))}`);
      expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    },
    120_000,
  );

  // Found by the properties above (minimal input page_size=Infinity): ajv's coercion turned it into
  // Infinity, which passed integer/minimum/maximum and failed int32 serialisation in grpc-js (500).
  it.each(['Infinity', '-Infinity', '1e400'])('GET /api/readings?page_size=%s is a 400 naming page_size', async (pageSize) => {
    const response = await send('GET', `/api/readings?page_size=${pageSize}`);
    expect([response.status, JSON.parse(response.text)]).toEqual([
      400,
      {
        error: {
          code: 'INVALID_ARGUMENT',
          message: 'page_size: must be an integer from 1 to 10000',
          details: [{ field: 'page_size', description: 'must be an integer from 1 to 10000' }],
        },
      },
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
    expect(rawJsonBody(answer)).toEqual({ error: { code: 'INVALID_ARGUMENT', message: expect.any(String) } });
  });

  it('a URL over the 16 KiB header limit answers 431 with the JSON error body', async () => {
    const answer = await sendRaw(baseUrl, Buffer.from(`GET /api/readings?tz=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 'latin1'));
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(rawJsonBody(answer)).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
  });

  it('any raw request (no Host, other HTTP versions, broken framing or header bytes) gets no 5xx, and every error it gets is the JSON body', async () => {
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'BREW', 'get', 'G@T');
    const target = fc.constantFrom(
      '/api/meters',
      '/api/readings',
      '/api/readings?page_token=',
      '/api/usage?bucket=hour',
      '/healthz',
      '/nowhere',
      '*',
      'http://x/api/meters',
      '/api/%zz',
      '',
    );
    const version = fc.constantFrom('HTTP/1.1', 'HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.2', 'HTTP/9.9', 'HTTP/1', 'http/1.1', '');
    const header = fc.constantFrom(
      'Host: x',
      'Host: x',
      'Host: x',
      '',
      'Host:',
      'Host: a b',
      'Host: x\r\nHost: y',
      'Content-Length: abc',
      'Content-Length: -1',
      'Content-Length: 1\r\nContent-Length: 2',
      'Transfer-Encoding: gzip',
      'Transfer-Encoding: chunked\r\nContent-Length: 3',
      'X-Bad Name: 1',
      'X-Ctl: a\x01b',
      'X-Latin: \xff',
      'Content-Type: text/csv',
      'Content-Encoding: br',
      ' leading-space: 1',
      'NoColon',
      `X-Long: ${'a'.repeat(17_000)}`,
    );
    const anyRequest = fc.record({ method, target, version, headers: fc.array(header, { maxLength: 3 }), lineEnd: fc.constantFrom('\r\n', '\n') });
    // Some well-formed ones too, so the property sees answers as well as refusals.
    const wellFormed = fc.record({
      method: fc.constantFrom('GET', 'HEAD'),
      target: fc.constantFrom('/api/meters', '/api/readings?page_token=', '/healthz'),
      version: fc.constantFrom('HTTP/1.1', 'HTTP/1.0'),
      headers: fc.constant(['Host: x']),
      lineEnd: fc.constant('\r\n'),
    });
    const request = fc.oneof({ weight: 4, arbitrary: anyRequest }, { weight: 1, arbitrary: wellFormed });
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async ({ method: verb, target: path, version: protocol, headers, lineEnd }) => {
        const head = [`${verb} ${path} ${protocol}`.trim(), ...headers.filter((line) => line !== ''), 'Connection: close'].join(lineEnd);
        const answer = await sendRaw(baseUrl, Buffer.from(`${head}${lineEnd}${lineEnd}`, 'latin1'));
        const where = `${JSON.stringify(head.slice(0, 200))} → ${answer.slice(0, 300)}`;
        const status = Number(/^HTTP\/1\.[01] (\d{3}) /.exec(answer)?.[1] ?? Number.NaN);
        if (Number.isNaN(status)) throw new Error(`no HTTP answer: ${where}`);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status >= 500) throw new Error(`5xx: ${where}`);
        if (status < 400 || verb === 'HEAD') return;
        if (!/\r\ncontent-type: application\/json/i.test(answer.slice(0, answer.indexOf('\r\n\r\n'))))
          throw new Error(`a ${status} that is not JSON: ${where}`);
        const body = rawJsonBody(answer) as { error?: { code?: unknown; message?: unknown } };
        if (typeof body.error?.code !== 'string' || typeof body.error.message !== 'string')
          throw new Error(`a ${status} without {error:{code,message}}: ${where}`);
        if (LIBRARY_PHRASES.test(body.error.message)) throw new Error(`a library's words, not ours: ${where}`);
      }),
      { numRuns: 150 },
    );
    // Both kinds were generated: requests answered and requests refused before any route ran.
    const seen = Object.fromEntries(statuses);
    expect({ answered: [...statuses.keys()].some((status) => status < 300), refused: statuses.has(400), seen }).toEqual({
      answered: true,
      refused: true,
      seen,
    });
  }, 120_000);

  it('an empty page_token is the first page: any readings query answers the same with page_token= as without', async () => {
    const known = ['meter', 'from', 'to', 'tz', 'page_size'] as const;
    const query = fc.record(
      Object.fromEntries(known.map((key) => [key, fc.option(PLAUSIBLE[key]!, { nil: undefined })])) as Record<
        (typeof known)[number],
        fc.Arbitrary<string | undefined>
      >,
    );
    await fc.assert(
      fc.asyncProperty(query, async (parameters) => {
        const given = Object.entries(parameters).filter((entry): entry is [string, string] => entry[1] !== undefined);
        const text = given.map(([key, value]) => `${key}=${percentEncode(value)}`).join('&');
        const without = await send('GET', `/api/readings?${text}`);
        const withEmpty = await send('GET', `/api/readings?${text}${text === '' ? '' : '&'}page_token=`);
        expect([withEmpty.status, JSON.parse(withEmpty.text)]).toEqual([without.status, JSON.parse(without.text)]);
      }),
      { numRuns: 100 },
    );
  }, 120_000);

  it('any from/to either comes back exactly (to the millisecond) or is refused naming it; it is never rounded', async () => {
    const digits = (count: number, max: number) => fc.integer({ min: 0, max }).map((value) => String(value).padStart(count, '0'));
    const timestamp = fc
      .record({
        year: fc.oneof(digits(4, 9999), fc.constantFrom('0000', '0001', '0099', '9999', '10000', '+010000', '019', '2019')),
        month: fc.oneof(digits(2, 13), fc.constantFrom('01', '02', '12')),
        day: fc.oneof(digits(2, 32), fc.constantFrom('28', '29', '30', '31')),
        separator: fc.constantFrom('T', 'T', 't', ' '),
        hour: digits(2, 24),
        minute: digits(2, 60),
        second: fc.oneof(digits(2, 59), fc.constantFrom('59', '60')),
        fraction: fc.oneof(fc.constant(''), fc.stringMatching(/^\.[0-9]{1,12}$/), fc.constantFrom('.5', '.250', '.000000', '.0009', '.999', '.1000000001')),
        zone: fc.oneof(
          fc.constantFrom('Z', 'z', '+00:00', '-00:00', '+01:00', '-05:30', '+14:00', '+23:59', '+24:00', '-12:60'),
          fc.tuple(fc.constantFrom('+', '-'), digits(2, 23), digits(2, 59)).map((parts) => `${parts[0]}${parts[1]}:${parts[2]}`),
        ),
      })
      .map((parts) => `${parts.year}-${parts.month}-${parts.day}${parts.separator}${parts.hour}:${parts.minute}:${parts.second}${parts.fraction}${parts.zone}`);
    const outcomes = { exact: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(timestamp, fc.boolean(), async (instant, asFrom) => {
        // The other bound at the end of the time domain, so only the generated one decides (it must differ from it).
        const [other, otherNs] = asFrom ? ['to=9999-12-31T23:59:59.999Z', LATEST_NS] : ['from=0001-01-01T00:00:00Z', EARLIEST_NS];
        const valid = referenceInstant(instant);
        const expected = valid === otherNs ? undefined : valid;
        const field = asFrom ? 'from' : 'to';
        const answer = await send('GET', `/api/summary?${field}=${percentEncode(instant)}&${other}`);
        const body = JSON.parse(answer.text) as { from?: string; to?: string; error?: { code: string; details?: { field: string }[] } };
        if (answer.status === 200) {
          outcomes.exact++;
          expect({ instant, echoed: referenceInstant(body[field] ?? '') }).toEqual({ instant, echoed: expected });
          expect(expected).not.toBeUndefined();
        } else {
          outcomes.refused++;
          // Refused exactly when the reference refuses it (out of range, sub-millisecond, not a real date or time).
          expect({ instant, status: answer.status, fields: body.error?.details?.map((detail) => detail.field), expected }).toEqual({
            instant,
            status: 400,
            fields: [field],
            expected: undefined,
          });
        }
      }),
      { numRuns: NUM_RUNS },
    );
    expect(outcomes.exact).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  }, 120_000);

  it('leaves the gateway running, ready, and without an error logged', async () => {
    const health = await send('GET', '/healthz');
    expect([health.status, JSON.parse(health.text)]).toEqual([200, { status: 'ok' }]);
    const ready = await send('GET', '/readyz');
    expect([ready.status, JSON.parse(ready.text)]).toEqual([200, { status: 'SERVING' }]);
    expect([stack.gateway.child.exitCode, stack.grpcServer.child.exitCode]).toEqual([null, null]);
    const errors = (app: AppProcess) => app.logs.filter((line) => typeof line.level === 'number' && line.level >= 50);
    expect(errors(stack.gateway)).toEqual([]);
    expect(errors(stack.grpcServer)).toEqual([]);
    expect(stack.gateway.output.filter((line) => /uncaught|unhandled/i.test(line))).toEqual([]);
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

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** The forms an input can be echoed in a message: as given, decoded, and quoted as the gateway (errors/schema-errors.ts) and grpc-server quote (JSON, cut at 64 characters). */
function echoesOf(inputs: string[]): string[] {
  const plain = [...inputs, ...inputs.map(safeDecode)];
  const quoted = plain.flatMap((input) => [JSON.stringify(input), JSON.stringify(input.length > 64 ? `${input.slice(0, 64)}…` : input)]);
  return [...quoted, ...plain].filter((input) => input.length > 0).sort((a, b) => b.length - a.length);
}

/** The start of a time, in an echo: only such an echo can put a time (malformed on purpose) into an answer. */
const HOLDS_TIME = /\d{4,}-\d\d-\d\d[T ]\d\d:/;

/**
 * text without the echoes of inputs that hold a time. Other echoes are left in: removing them could
 * cut a time the server wrote (page_size=3 took every "3" out of "00:30:00").
 */
function withoutTimeEchoes(text: string, inputs: string[]): string {
  return echoesOf(inputs)
    .filter((echo) => HOLDS_TIME.test(echo))
    .reduce((rest, echo) => rest.replaceAll(echo, ''), text);
}

/** Every time in a successful answer is RFC 3339 in UTC with a four-digit year (never +010000-…). */
function expectTimesWellFormed(text: string, where: string): void {
  for (const time of text.match(TIME_LIKE) ?? []) {
    if (!RFC3339_OUT.test(time)) throw new Error(`a time that is not RFC 3339 with a four-digit year (${time}): ${where}`);
  }
}

const EARLIEST_NS = -62_135_596_800n * 1_000_000_000n; // 0001-01-01T00:00:00Z
const LATEST_NS = 253_402_300_799_999n * 1_000_000n; // 9999-12-31T23:59:59.999Z

/**
 * An RFC 3339 timestamp as nanoseconds since the epoch, computed independently of Date and of the
 * gateway (civil-date arithmetic after Howard Hinnant's days_from_civil); undefined when the API
 * must refuse it: not a real date or time, a leap second, outside 0001-9999, or digits below the millisecond.
 */
function referenceInstant(text: string): bigint | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.exec(text);
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  if (monthDays === undefined || day < 1 || day > monthDays || hour > 23 || minute > 59 || second > 59) return undefined;
  const fraction = (match[7] ?? '.').slice(1);
  if (/[1-9]/.test(fraction.slice(3))) return undefined;
  const zone = match[8]!;
  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const [hours, minutes] = [Number(zone.slice(1, 3)), Number(zone.slice(4, 6))];
    if (hours > 23 || minutes > 59) return undefined;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
  }
  const shiftedYear = month <= 2 ? year - 1 : year;
  const era = Math.floor(shiftedYear / 400);
  const yearOfEra = shiftedYear - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  const days = BigInt(era * 146_097 + dayOfEra - 719_468);
  const seconds = days * 86_400n + BigInt(hour * 3600 + minute * 60 + second - offsetMinutes * 60);
  const nanos = seconds * 1_000_000_000n + BigInt(fraction.slice(0, 9).padEnd(9, '0'));
  return nanos < EARLIEST_NS || nanos > LATEST_NS ? undefined : nanos;
}
