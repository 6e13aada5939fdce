import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import type { Client } from 'pg';
import { startAppStack, type AppStack } from './support/app-stack';

// Property (issue #10 item 2): any text in a usage field either loads exactly as written (the same
// decimal value stored, and read back as the double nearest to it) or is refused with its line,
// field and reason, the other rows of a partial upload still loading; and whatever was stored, every
// read route answers for the meter. Against a real grpc-server process and PostgreSQL.

/** The value of decimal text as [significant digits, exponent] (value = 0.digits × 10^exponent), '' for zero; undefined when not a plain or exponent decimal. */
function decimalValue(text: string): { negative: boolean; digits: string; exponent: bigint } | undefined {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (match === null || `${match[2]}${match[3] ?? ''}` === '') return undefined;
  const all = `${match[2]}${match[3] ?? ''}`;
  const leading = all.length - all.replace(/^0+/, '').length;
  const digits = all.replace(/^0+/, '').replace(/0+$/, '');
  return { negative: match[1] === '-', digits, exponent: BigInt(match[4] ?? '0') + BigInt(match[2]!.length - leading) };
}

/** Whether a value lies in the documented domain: finite, not negative, below 10^12, at most 9 decimal places. */
function inDomain(value: { negative: boolean; digits: string; exponent: bigint }): boolean {
  if (value.digits === '') return true;
  return !value.negative && value.exponent <= 12n && BigInt(value.digits.length) - value.exponent <= 9n;
}

const sameValue = (a: ReturnType<typeof decimalValue>, b: ReturnType<typeof decimalValue>) =>
  a !== undefined && b !== undefined && a.digits === b.digits && (a.digits === '' || a.exponent === b.exponent);

const usageText: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.constantFrom('', '', '+', '-'),
        fc.stringMatching(/^\d{0,16}$/),
        fc.constantFrom('', '.', '.', ','),
        fc.stringMatching(/^\d{0,12}$/),
        fc.oneof(
          fc.constant(''),
          fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.stringMatching(/^\d{1,6}$/)).map((parts) => parts.join('')),
        ),
      )
      .map((parts) => parts.join('')),
  },
  { weight: 1, arbitrary: fc.double({ min: 0, max: 1e13, noNaN: true }).map(String) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 10n ** 25n }).map(String) },
  { weight: 1, arbitrary: fc.stringMatching(/^\d{100,2000}$/) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '1e309',
      '1e-400',
      '1e131072',
      '1e-20000',
      '0x1A',
      '1,5',
      '1.234,5',
      '1 234',
      'Infinity',
      '-Infinity',
      'inf',
      'NaN',
      '',
      '-0',
      '+0',
      '+',
      '-',
      '.',
      'e5',
      '999999999999.999999999',
      '1e12',
      '0.000000001',
      '1e-9',
      '1e-10',
      '0e999999',
      `0.${'0'.repeat(70_000 / 2)}`,
      '٣',
      '１',
      '1_000',
    ),
  },
);

describe('POST /api/readings: any usage text loads exactly or is refused with its line (property)', () => {
  let stack: AppStack;
  let app: FastifyInstance;
  let client: Client;
  let run = 0;

  beforeAll(async () => {
    stack = await startAppStack('gateway_ingest_values');
    ({ app, client } = stack);
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('stores each value in the domain exactly, refuses each other one with line and reason, and every route reads the meter', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(usageText, { minLength: 1, maxLength: 6 }), async (values) => {
        const meterId = `v-${(run += 1)}`;
        const startMs = Date.parse('2019-01-01T00:00:00Z');
        const time = (index: number) => new Date(startMs + (index + 1) * 900_000).toISOString();
        const body = `time,meterusage\n${values.map((value, index) => `${time(index)},"${value}"`).join('\n')}\n`;
        const response = await stack.post(`meter=${meterId}&mode=partial`, body);
        expect([200, 422]).toContain(response.statusCode);
        const report = response.json<{ errors: Array<{ line: number; field: string; reason: string }>; rejected: number }>();
        const rejectedLines = new Set(report.errors.map((error) => error.line));
        for (const error of report.errors) expect([error.field, error.reason.length > 0]).toEqual(['meterusage', true]);

        const stored = await client.query<{ start_ms: string; usage: string | null }>(
          `select (extract(epoch from interval_start) * 1000)::bigint::text as start_ms, usage::text from readings where meter_id = $1`,
          [meterId],
        );
        const storedAt = new Map(stored.rows.map((row) => [Number(row.start_ms), row.usage]));
        values.forEach((value, index) => {
          const missing = value === '' || value.toLowerCase() === 'nan';
          const expected = decimalValue(value);
          const loads = missing || (expected !== undefined && inDomain(expected));
          expect([value, rejectedLines.has(index + 2)]).toEqual([value, !loads]);
          const usage = storedAt.get(startMs + index * 900_000);
          if (!loads) return expect([value, usage]).toEqual([value, undefined]);
          if (missing) return expect([value, usage]).toEqual([value, null]);
          expect([value, sameValue(decimalValue(usage!), expected)]).toEqual([value, true]);
        });

        const readings = await app.inject({ method: 'GET', url: `/api/readings?meter=${meterId}` });
        if (stored.rows.length === 0) return expect(readings.statusCode).toBe(404);
        expect(readings.statusCode).toBe(200);
        for (const reading of readings.json().readings as Array<{ start: string; usage?: number; missing: boolean }>) {
          const usage = storedAt.get(Date.parse(reading.start));
          expect(reading.usage).toBe(usage === null || usage === undefined ? undefined : Number(usage));
        }
        for (const url of [
          `/api/usage?meter=${meterId}&bucket=hour`,
          `/api/summary?meter=${meterId}`,
          `/api/export?meter=${meterId}`,
          `/api/export?meter=${meterId}&format=ndjson`,
          `/api/metrics?meter=${meterId}`,
        ]) {
          expect([url, (await app.inject({ method: 'GET', url })).statusCode]).toEqual([url, 200]);
        }
      }),
      { numRuns: 100 },
    );
  }, 120_000);

  it('reads the extreme values of the domain through every route, sums included', async () => {
    const rows = Array.from(
      { length: 96 },
      (_, index) =>
        `${new Date(Date.parse('2019-06-01T00:15:00Z') + index * 900_000).toISOString()},${index % 3 === 0 ? '999999999999.999999999' : index % 3 === 1 ? '0.000000001' : '0'}`,
    );
    const upload = await stack.post('meter=extreme', `time,meterusage\n${rows.join('\n')}\n`);
    expect(upload.json()).toMatchObject({ committed: true, inserted: 96 });
    const summary = await app.inject({ method: 'GET', url: '/api/summary?meter=extreme' });
    expect(summary.statusCode).toBe(200);
    expect(summary.json().summary).toMatchObject({ presentCount: 96, peak: { usage: 1e12 }, minimum: { usage: 0 } });
    expect(summary.json().summary.total).toBeCloseTo(32 * 1e12, -6);
    for (const url of [
      '/api/readings?meter=extreme',
      '/api/usage?meter=extreme&bucket=hour',
      '/api/usage?meter=extreme&bucket=day',
      '/api/usage?meter=extreme&bucket=month&tz=Asia/Kathmandu',
      '/api/export?meter=extreme',
      '/api/export?meter=extreme&format=ndjson',
      '/api/metrics?meter=extreme',
    ]) {
      expect([url, (await app.inject({ method: 'GET', url })).statusCode]).toEqual([url, 200]);
    }
  }, 60_000);
});
