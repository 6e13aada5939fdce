import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { startHttpStack, type HttpStack } from './support/http-stack';

// POST /api/readings with Content-Encoding, property-based against real processes over raw HTTP:
// gzip (and x-gzip) load exactly what the plain CSV loads, every other coding is 415 and writes
// nothing, the body limit counts decompressed bytes (a compression bomb is 413, nothing written),
// and a damaged gzip stream is a 400 that writes nothing. Row counts are read through the API.

const BODY_LIMIT_BYTES = 64 * 1024;
const NUM_RUNS = 25;
const GZIP_ERROR =
  /^the body is not valid gzip \(Content-Encoding: gzip\): (it ends in the middle of the compressed data|its bytes are not gzip data or are damaged); nothing written$/;

interface Report {
  meterId?: string;
  committed: boolean;
  meters: { meterId: string }[];
  metersCreated: string[];
  [key: string]: unknown;
}

/** A report without the meter it went to (nor the id of its own record), to compare the same file loaded into two meters. */
const withoutMeter = ({ meterId: _meterId, meters, metersCreated: _created, uploadId: _uploadId, ...rest }: Report) => ({
  ...rest,
  meters: meters.map(({ meterId: _id, ...counts }) => counts),
});

/** gzip of text, as one member or as several concatenated members (RFC 1952 allows both), at any level. */
const gzipped = (text: string, level: number, cuts: number[]) => {
  const bytes = Buffer.from(text);
  const bounds = [0, ...cuts.map((cut) => Math.floor(cut * bytes.length)).sort((a, b) => a - b), bytes.length];
  return Buffer.concat(bounds.slice(1).map((end, index) => gzipSync(bytes.subarray(bounds[index], end), { level })));
};

/** A CSV of quarter-hour readings on distinct grid points, some values missing, some lines malformed. */
const csvFile = fc
  .uniqueArray(fc.nat({ max: 20_000 }), { minLength: 1, maxLength: 200 })
  .chain((slots) =>
    fc.tuple(
      fc.constant(slots),
      fc.array(
        fc.oneof(
          { weight: 8, arbitrary: fc.integer({ min: 0, max: 99_999 }).map((value) => (value / 100).toString()) },
          fc.constantFrom('', 'NaN', 'abc', '-1'),
        ),
        {
          minLength: slots.length,
          maxLength: slots.length,
        },
      ),
      fc.constantFrom('\n', '\r\n'),
    ),
  )
  .map(([slots, values, newline]) => {
    const start = Date.parse('2030-01-01T00:15:00Z');
    const lines = slots.map((slot, index) => `${new Date(start + slot * 900_000).toISOString().replace('T', ' ').slice(0, 19)},${values[index]}`);
    return `time,meterusage${newline}${lines.join(newline)}${newline}`;
  });

describe('POST /api/readings with Content-Encoding (property-based, real processes)', () => {
  let stack: HttpStack;
  let run = 0;
  const nextMeter = (prefix: string) => `${prefix}-${++run}`;

  beforeAll(async () => {
    stack = await startHttpStack('gateway_upload_encoding', { gatewayEnv: { INGEST_BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES) } });
  }, 90_000);

  afterAll(async () => {
    await stack?.close();
  });

  const upload = (meterId: string, body: Buffer, headers: Record<string, string> = {}) =>
    stack.send('POST', `/api/readings?meter=${meterId}&mode=partial`, { headers: { 'content-type': 'text/csv', ...headers }, body });

  it('gzip and x-gzip (any case, with identity around) are decompressed; no coding or identity is plain; every other coding is 415, nothing written', async () => {
    const token = fc.stringMatching(/^[a-z0-9!#$%&'*+.^_`|~-]{1,10}$/);
    const coding = fc.oneof(
      fc.constantFrom(
        'gzip',
        'x-gzip',
        'GZIP',
        'X-Gzip',
        'identity',
        'IDENTITY',
        'br',
        'deflate',
        'compress',
        'x-compress',
        'zstd',
        'dcb',
        'exi',
        'pack200-gzip',
        'aes128gcm',
        '*',
        'gzip;q=1',
      ),
      token,
    );
    const header = fc
      .array(fc.tuple(coding, fc.constantFrom(',', ', ', ' ,  ')), { minLength: 0, maxLength: 3 })
      .map((parts) => parts.map(([name, comma], index) => (index === 0 ? name : `${comma}${name}`)).join(''));
    await fc.assert(
      fc.asyncProperty(header, async (contentEncoding) => {
        const codings = contentEncoding
          .split(',')
          .map((name) => name.trim().toLowerCase())
          .filter((name) => name !== '' && name !== 'identity');
        const expected = codings.length === 0 ? 'identity' : codings.length === 1 && ['gzip', 'x-gzip'].includes(codings[0]!) ? 'gzip' : 'refused';
        const csv = 'time,meterusage\n2030-02-01 00:15:00,1.5\n2030-02-01 00:30:00,2.5\n';
        const meterId = nextMeter('coding');
        // A refused coding gets a plain CSV body: accepting it by mistake would write rows.
        const body = expected === 'gzip' ? gzipSync(csv) : Buffer.from(csv);
        const answer = await upload(meterId, body, contentEncoding === '' ? {} : { 'content-encoding': contentEncoding });
        if (expected === 'refused') {
          expect([answer.status, answer.headers['accept-encoding'], JSON.parse(answer.text)]).toEqual([
            415,
            'gzip, identity',
            {
              error: {
                code: 'UNSUPPORTED_MEDIA_TYPE',
                message: `Content-Encoding ${JSON.stringify(contentEncoding)} is not supported; send the CSV uncompressed or gzip-compressed (Content-Encoding: gzip)`,
              },
            },
          ]);
          expect(await stack.storedRows(meterId)).toBe(0);
        } else {
          expect([answer.status, JSON.parse(answer.text)]).toEqual([200, expect.objectContaining({ committed: true, inserted: 2, rejected: 0 })]);
          expect(await stack.storedRows(meterId)).toBe(2);
        }
      }),
      { numRuns: NUM_RUNS * 2 },
    );
  }, 120_000);

  it('a gzip upload of any CSV (any level, one or several members) gives the report and rows the same CSV gives uncompressed', async () => {
    await fc.assert(
      fc.asyncProperty(
        csvFile,
        fc.integer({ min: 1, max: 9 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 3 }),
        async (csv, level, cuts) => {
          const [plainMeter, gzipMeter] = [nextMeter('plain'), nextMeter('gzip')];
          const plain = await upload(plainMeter, Buffer.from(csv));
          const compressed = await upload(gzipMeter, gzipped(csv, level, cuts), { 'content-encoding': 'gzip' });
          expect([200, 422]).toContain(plain.status); // 422: every line refused, nothing written
          expect([compressed.status, withoutMeter(JSON.parse(compressed.text) as Report)]).toEqual([
            plain.status,
            withoutMeter(JSON.parse(plain.text) as Report),
          ]);
          // The export of each meter without its id (a 404 of a meter never created names it too).
          const exported = async (meterId: string) => (await stack.send('GET', `/api/export?meter=${meterId}&format=csv`)).text.split(meterId).join('');
          expect(await exported(gzipMeter)).toBe(await exported(plainMeter));
        },
      ),
      { numRuns: NUM_RUNS },
    );
  }, 120_000);

  it('counts INGEST_BODY_LIMIT_BYTES decompressed: a bomb over it is 413 and writes nothing; up to it loads', async () => {
    const line = '2030-03-01 00:15:00,1.5\n'; // one reading, repeated: duplicates only matter if the file were read
    // Bytes over the limit: under it, at it, one over, or a bomb of up to 5 MB (gzip makes that ~5 KB).
    const excess = fc.oneof(fc.integer({ min: -2_000, max: 0 }), fc.constantFrom(0, 1), fc.integer({ min: 1, max: 5 * 1024 * 1024 }));
    const outcomes = new Set<number>();
    await fc.assert(
      fc.asyncProperty(excess, async (overBy) => {
        const size = BODY_LIMIT_BYTES + overBy;
        const header = 'time,meterusage\n';
        // Whole lines of readings on distinct grid points below the limit; beyond it, any bytes (never read).
        let csv = header;
        for (let slot = 0; csv.length + 30 <= Math.min(size, BODY_LIMIT_BYTES); slot++)
          csv += `${new Date(Date.parse('2031-01-01T00:15:00Z') + slot * 900_000).toISOString().slice(0, 19).replace('T', ' ')},1\n`;
        const body =
          size > BODY_LIMIT_BYTES
            ? Buffer.concat([Buffer.from(csv), Buffer.from(line.repeat(Math.ceil((size - csv.length) / line.length)))]).subarray(0, size)
            : Buffer.from(csv);
        const meterId = nextMeter('bomb');
        const answer = await upload(meterId, gzipSync(body), { 'content-encoding': 'gzip' });
        outcomes.add(answer.status);
        if (body.length > BODY_LIMIT_BYTES) {
          expect([answer.status, JSON.parse(answer.text)]).toEqual([
            413,
            {
              error: {
                code: 'PAYLOAD_TOO_LARGE',
                message: `the CSV is larger than ${BODY_LIMIT_BYTES} bytes (counted after decompression); nothing written: split it or use the ingest CLI`,
              },
            },
          ]);
          expect(await stack.storedRows(meterId)).toBe(0);
        } else {
          expect(answer.status).toBe(200);
          expect(await stack.storedRows(meterId)).toBe(csv.split('\n').length - 2);
        }
      }),
      { numRuns: NUM_RUNS },
    );
    expect([...outcomes].sort()).toEqual([200, 413]);
  }, 120_000);

  it('a damaged or cut gzip stream is a 400 naming the problem and writes nothing (or, where the damage is harmless, loads as the intact file)', async () => {
    const csv = 'time,meterusage\n2030-04-01 00:15:00,1.5\n2030-04-01 00:30:00,2.5\n2030-04-01 00:45:00,3.5\n';
    const intact = gzipSync(csv);
    const damage = fc.oneof(
      fc.nat({ max: intact.length - 1 }).map((length) => (bytes: Buffer) => bytes.subarray(0, length)),
      fc.tuple(fc.nat({ max: intact.length - 1 }), fc.integer({ min: 1, max: 255 })).map(([at, flip]) => (bytes: Buffer) => {
        const copy = Buffer.from(bytes);
        copy[at] = copy[at]! ^ flip;
        return copy;
      }),
      fc.uint8Array({ minLength: 1, maxLength: 64 }).map((garbage) => (bytes: Buffer) => Buffer.concat([bytes, Buffer.from(garbage)])),
    );
    await fc.assert(
      fc.asyncProperty(damage, async (spoil) => {
        const meterId = nextMeter('damaged');
        const answer = await upload(meterId, spoil(intact), { 'content-encoding': 'gzip' });
        if (answer.status === 200) {
          expect(JSON.parse(answer.text)).toMatchObject({ committed: true, inserted: 3 });
          expect(await stack.storedRows(meterId)).toBe(3);
          return;
        }
        const body = JSON.parse(answer.text) as { error: { code: string; message: string } };
        expect([answer.status, body.error.code]).toEqual([400, 'INVALID_ARGUMENT']);
        expect(body.error.message).toMatch(GZIP_ERROR);
        expect(await stack.storedRows(meterId)).toBe(0);
      }),
      { numRuns: NUM_RUNS * 2 },
    );
  }, 120_000);

  it('leaves both processes running without an error logged', () => {
    expect([stack.gateway.child.exitCode, stack.grpcServer.child.exitCode]).toEqual([null, null]);
    const errors = stack.gateway.logs.filter((line) => typeof line.level === 'number' && line.level >= 50);
    expect(errors).toEqual([]);
  });
});
