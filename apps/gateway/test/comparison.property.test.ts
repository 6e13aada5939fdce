import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { Client } from 'pg';
import { createTestDatabase, startGrpcServer, type AppProcess, type TestDatabase } from '@meterusage/testing';
import { buildApp } from '../src/app';

// compare=previous_period|previous_year through the gateway and a real grpc-server and
// PostgreSQL, on a meter holding two years of 15-minute data (2023 and leap year 2024, both DST
// changes each year, one gap, missing values). For any generated range, width and zone, each
// requested bucket's counterpart must be exactly the bucket a plain request for the compared
// range answers at the same local calendar position (printed by Intl, independently of the
// server's calendar code), null only where that period has no such position, with the
// differences computed from the two; the summary's comparison must equal a plain summary of the
// compared range.

interface Bucket {
  start: string;
  end: string;
  sum?: number;
  max?: number;
}
interface UsageAnswer {
  buckets: Bucket[];
  comparison?: {
    name: string;
    from: string;
    to: string;
    buckets: Array<Bucket | null>;
    differences: Array<{ sum: number | null; sumPercent: number | null; max: number | null } | null>;
  };
}

const ZONES = ['Europe/Amsterdam', 'America/New_York', 'UTC'];

describe('period comparison over the HTTP API', () => {
  let database: TestDatabase;
  let grpcServer: AppProcess & { port: number };
  let app: FastifyInstance;
  const get = async <T>(url: string): Promise<T> => {
    const response = await app.inject({ method: 'GET', url });
    if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
    return response.json<T>();
  };

  beforeAll(async () => {
    database = await createTestDatabase('gateway_comparison');
    grpcServer = await startGrpcServer({ DATABASE_URL: database.url, METER_ID: 'unused' });
    const client = new Client({ connectionString: database.url });
    await client.connect();
    await client.query(`insert into meters (meter_id) values ('cmp')`);
    await client.query(`insert into readings (meter_id, interval_start, usage)
      select 'cmp', t, round(((extract(epoch from t)::bigint / 900) % 89) * 0.013 + 0.5, 3)
      from generate_series(timestamptz '2023-01-01T00:00:00Z', timestamptz '2024-12-31T23:45:00Z', interval '15 minutes') t`);
    await client.query(`delete from readings where meter_id = 'cmp' and interval_start >= '2024-03-10T10:00:00Z' and interval_start < '2024-03-10T12:00:00Z'`);
    await client.query(`update readings set usage = null where meter_id = 'cmp' and interval_start in ('2023-10-29T01:15:00Z', '2024-02-29T12:00:00Z')`);
    await client.end();
    app = await buildApp({ grpcTarget: `127.0.0.1:${grpcServer.port}`, grpcDeadlineMs: 20_000 });
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await grpcServer?.stop();
    await database?.drop();
  });

  const localKey = (iso: string, timeZone: string, withTime: boolean) => {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' })
        .formatToParts(new Date(iso))
        .map((part) => [part.type, Number(part.value)]),
    ) as Record<'year' | 'month' | 'day' | 'hour' | 'minute', number>;
    return { ...parts, text: withTime ? `${parts.month}-${parts.day} ${parts.hour}:${parts.minute}` : `${parts.month}-${parts.day}` };
  };

  it('aligns every bucket with the compared period’s bucket at the same local position, with its differences', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          timeZone: fc.constantFrom(...ZONES),
          // Dates in 2024 (compared with 2023 a year back): February's end, the DST weekends, month ends.
          from: fc.constantFrom('2024-02-27', '2024-03-01', '2024-03-30', '2024-10-26', '2024-10-27', '2024-11-01', '2024-04-29', '2024-06-15'),
          days: fc.integer({ min: 1, max: 5 }),
          bucket: fc.constantFrom('day', 'hour', '15m'),
        }),
        async ({ timeZone, from, days, bucket }) => {
          const to = new Date(Date.parse(`${from}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
          const range = `meter=cmp&from=${from}&to=${to}&tz=${encodeURIComponent(timeZone)}&bucket=${bucket}`;
          const answer = await get<UsageAnswer>(`/api/usage?${range}&compare=previous_year`);
          const plain = await get<UsageAnswer>(`/api/usage?${range}`);
          expect(answer.buckets).toEqual(plain.buckets);
          const comparison = answer.comparison!;
          expect(comparison.name).toBe('previous_year');
          expect(comparison.buckets).toHaveLength(answer.buckets.length);
          const compared = await get<UsageAnswer>(
            `/api/usage?meter=cmp&from=${encodeURIComponent(comparison.from)}&to=${encodeURIComponent(comparison.to)}&tz=${encodeURIComponent(timeZone)}&bucket=${bucket}`,
          );
          // The model: counterparts by printed local position (date for whole days), one year back; the n-th repeat for the n-th.
          const withTime = bucket !== 'day';
          const byKey = new Map<string, Bucket[]>();
          for (const other of compared.buckets) {
            const key = localKey(other.start, timeZone, withTime);
            byKey.set(key.text, [...(byKey.get(key.text) ?? []), other]);
          }
          const seen = new Map<string, number>();
          answer.buckets.forEach((requested, index) => {
            const key = localKey(requested.start, timeZone, withTime);
            const occurrence = seen.get(key.text) ?? 0;
            seen.set(key.text, occurrence + 1);
            const expected = byKey.get(key.text)?.[occurrence] ?? null;
            expect(comparison.buckets[index]).toEqual(expected);
            if (expected !== null) expect(localKey(expected.start, timeZone, withTime).year).toBe(key.year - 1);
            const difference = comparison.differences[index];
            if (expected === null) expect(difference).toBeNull();
            else if (requested.sum !== undefined && expected.sum !== undefined) {
              expect(difference!.sum).toBeCloseTo(requested.sum - expected.sum, 9);
              if (expected.sum !== 0) expect(difference!.sumPercent).toBeCloseTo(((requested.sum - expected.sum) / expected.sum) * 100, 4);
            }
          });
        },
      ),
      { numRuns: 40 },
    );
  }, 300_000);

  it('gives 29 February no counterpart, compares a month with the month before and summaries with the compared range’s, in both shapes', async () => {
    const february = await get<UsageAnswer>('/api/usage?meter=cmp&from=2024-02-01&to=2024-03-01&tz=UTC&bucket=day&compare=previous_year');
    expect(february.buckets).toHaveLength(29);
    expect(february.comparison!.from).toBe('2023-02-01T00:00:00Z');
    expect(february.comparison!.to).toBe('2023-03-01T00:00:00Z');
    expect(february.comparison!.buckets[28]).toBeNull();
    expect(february.comparison!.buckets[27]!.start).toBe('2023-02-28T00:00:00Z');

    const march = await get<UsageAnswer>('/api/usage?meter=cmp&from=2024-03-01&to=2024-04-01&tz=Europe/Amsterdam&bucket=day&compare=previous_period');
    // Instants are written in UTC, as everywhere in the API: local midnights of 1 February and 1 March.
    expect(march.comparison!.from).toBe('2024-01-31T23:00:00Z');
    expect(march.comparison!.to).toBe('2024-02-29T23:00:00Z');
    expect(march.comparison!.buckets.slice(29)).toEqual([null, null]); // 30 and 31 March: February has no such days
    expect(march.comparison!.buckets[28]!.start).toBe('2024-02-28T23:00:00Z');

    type SummaryAnswer = {
      summary: { total?: number; peakDemand?: { value: number } };
      comparison: { from: string; to: string; summary: unknown; differences: Record<string, number | null> };
    };
    const summary = await get<SummaryAnswer>('/api/summary?meter=cmp&from=2024-03-01&to=2024-04-01&tz=Europe/Amsterdam&compare=previous_year');
    const before = await get<SummaryAnswer>(
      `/api/summary?meter=cmp&from=${encodeURIComponent(summary.comparison.from)}&to=${encodeURIComponent(summary.comparison.to)}`,
    );
    expect(summary.comparison.from).toBe('2023-02-28T23:00:00Z');
    expect(summary.comparison.summary).toEqual(before.summary);
    expect(summary.comparison.differences.total).toBeCloseTo(summary.summary.total! - before.summary.total!, 9);
    expect(summary.comparison.differences.peakDemand).toBeCloseTo(summary.summary.peakDemand!.value - before.summary.peakDemand!.value, 9);

    const refused = await app.inject({ method: 'GET', url: '/api/usage?meter=cmp&from=2024-03-01&to=2024-04-01&compare=previous_week' });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.message).toContain('compare');
    // 29 February alone has no counterpart a year back: an empty compared range, not an error.
    const leapDay = await get<UsageAnswer>('/api/usage?meter=cmp&from=2024-02-29&to=2024-03-01&tz=UTC&bucket=hour&compare=previous_year');
    expect(leapDay.comparison!.from).toBe(leapDay.comparison!.to);
    expect(leapDay.comparison!.buckets).toEqual(Array.from({ length: 24 }, () => null));
    const leapSummary = await get<{ comparison: { summary: { presentCount: number }; differences: { total: number | null } } }>(
      '/api/summary?meter=cmp&from=2024-02-29&to=2024-03-01&tz=UTC&compare=previous_year',
    );
    expect(leapSummary.comparison.summary.presentCount).toBe(0);
    expect(leapSummary.comparison.differences.total).toBeNull();
    // Week buckets a month back move whole weeks: every Monday meets a Monday.
    const weeks = await get<UsageAnswer>('/api/usage?meter=cmp&from=2024-03-04&to=2024-04-01&tz=UTC&bucket=week&compare=previous_period');
    expect(weeks.comparison!.buckets.every((bucket) => bucket !== null && new Date(bucket.start).getUTCDay() === 1)).toBe(true);
    // A compared period before year 1 is the request's fault, named, on both routes and for any such range.
    for (const [path, from, to] of [
      ['/api/usage', '0001-01-01', '0001-01-03'],
      ['/api/usage', '0001-06-01T00:00:00Z', '0001-06-01T06:00:00Z'],
      ['/api/summary', '0001-03-01', '0001-04-01'],
    ]) {
      const early = await app.inject({ method: 'GET', url: `${path}?meter=cmp&from=${from}&to=${to}&tz=UTC&compare=previous_year` });
      expect(early.statusCode).toBe(400);
      expect(early.json().error.message).toMatch(/^compare: previous_year of a range starting 0001-.* reaches before 0001-01-01$/);
    }
    // The columns shape carries the same comparison, as columns.
    type ColumnsAnswer = { comparison: { from: string; columns: Record<string, Array<number | null>>; differences: Record<string, Array<number | null>> } };
    const asColumns = await get<ColumnsAnswer>('/api/usage?meter=cmp&from=2024-02-01&to=2024-03-01&tz=UTC&bucket=day&compare=previous_year&shape=columns');
    expect(asColumns.comparison.from).toBe(february.comparison!.from);
    february.comparison!.buckets.forEach((bucket, index) => {
      expect(asColumns.comparison.columns.startMs![index]).toBe(bucket === null ? null : Date.parse(bucket.start));
      expect(asColumns.comparison.columns.sum![index]).toBe(bucket?.sum ?? null);
      expect(asColumns.comparison.differences.sum![index]).toBe(february.comparison!.differences[index]?.sum ?? null);
      expect(asColumns.comparison.differences.sumPercent![index]).toBe(february.comparison!.differences[index]?.sumPercent ?? null);
    });
    expect(asColumns.comparison.columns.sum![28]).toBeNull();
  }, 60_000);
});
