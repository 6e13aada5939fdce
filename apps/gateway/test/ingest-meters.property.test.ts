import fc from 'fast-check';
import type { IngestReport } from '@meterusage/contracts';
import type { Client } from 'pg';
import { startAppStack, type AppStack } from './support/app-stack';

// Property (issue #10 item 3): whatever rows a file holds, with or without a meter_id column and
// with or without ?meter, an upload writes only the meters it may (the one named by ?meter; else
// those its meter_id column names; else the default meter), a row naming another meter than ?meter
// is rejected with field meter_id, and the per-meter counts add up to the totals and to what changed
// in the database. Against a real grpc-server process and PostgreSQL.

interface Row {
  meterId: string;
  slot: number;
  value: string;
}

interface Upload {
  rows: Row[];
  meterColumn: boolean;
  target: string | undefined;
  mode: 'atomic' | 'partial';
  onConflict: 'update' | 'skip' | 'reject';
}

/** The report's per-meter counts (the contract's MeterIngestCounts, as JSON). */
type MeterIngestCounts = IngestReport['meters'][number];

const EXISTING = ['e1', 'e2', 'e3'];
const slotTime = (slot: number) => new Date(Date.parse('2019-01-01T00:15:00Z') + slot * 900_000).toISOString();

describe('POST /api/readings: multi-meter files never touch a meter they should not (property)', () => {
  let stack: AppStack;
  let client: Client;
  let run = 0;

  beforeAll(async () => {
    stack = await startAppStack('gateway_ingest_meters');
    ({ client } = stack);
    for (const meterId of EXISTING) {
      const seed = `time,meterusage\n${[0, 1, 2].map((slot) => `${slotTime(slot)},${slot + 1}`).join('\n')}\n`;
      await stack.post(`meter=${meterId}`, seed);
    }
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  /** Every meter → its readings as "slot-ms=usage" (the default meter's sample as a count and sum). */
  const snapshot = async (): Promise<Map<string, string>> => {
    const { rows } = await client.query<{ meter_id: string; readings: string }>(
      `select m.meter_id,
              case when m.meter_id = 'meter-1' then (select count(*) || ':' || coalesce(sum(usage), 0) from readings r where r.meter_id = m.meter_id)
                   else (select coalesce(string_agg(extract(epoch from interval_start) || '=' || coalesce(usage::text, 'null'), ' ' order by interval_start), '')
                         from readings r where r.meter_id = m.meter_id) end as readings
       from meters m`,
    );
    return new Map(rows.map((row) => [row.meter_id, row.readings]));
  };
  const readingCount = (readings: string | undefined) => (readings === undefined || readings === '' ? 0 : readings.split(' ').length);
  /** How many readings both snapshots hold with different values. */
  const changedCount = (before: string | undefined, after: string | undefined) => {
    const values = new Map((before ?? '').split(' ').map((reading) => reading.split('=') as [string, string]));
    return (after ?? '').split(' ').filter((reading) => {
      const [start, usage] = reading.split('=');
      return values.has(start!) && values.get(start!) !== usage;
    }).length;
  };

  const uploadOf = (runId: number): fc.Arbitrary<Upload> => {
    const meters = [...EXISTING, `n${runId}a`, `n${runId}b`, 'meter-1', 'not a meter'];
    const row = fc.record({ meterId: fc.constantFrom(...meters), slot: fc.nat({ max: 5 }), value: fc.constantFrom('1', '2', '3.5', 'NaN', 'x', '-1') });
    return fc.record({
      rows: fc.array(row, { minLength: 1, maxLength: 8 }),
      meterColumn: fc.boolean(),
      target: fc.constantFrom(undefined, undefined, 'e1', 'e2', `n${runId}a`),
      mode: fc.constantFrom('atomic', 'partial'),
      onConflict: fc.constantFrom('update', 'skip', 'reject'),
    });
  };

  it('writes only the targeted meters, rejects rows naming another, and per-meter counts add up', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat().chain(() => uploadOf((run += 1))),
        async (upload) => {
          const header = upload.meterColumn ? 'meter_id,time,meterusage' : 'time,meterusage';
          const lines = upload.rows.map((row) => `${upload.meterColumn ? `${row.meterId},` : ''}${slotTime(row.slot)},${row.value}`);
          const query = new URLSearchParams({
            mode: upload.mode,
            on_conflict: upload.onConflict,
            ...(upload.target === undefined ? {} : { meter: upload.target }),
          });
          const before = await snapshot();
          const response = await stack.post(String(query), `${header}\n${lines.join('\n')}\n`);
          const after = await snapshot();
          expect([200, 422]).toContain(response.statusCode);
          const report = response.json<
            { meterId?: string; committed: boolean; errors: Array<{ line: number; field: string }>; meters: MeterIngestCounts[] } & Record<string, number>
          >();

          const allowed = new Set(upload.target !== undefined ? [upload.target] : upload.meterColumn ? upload.rows.map((row) => row.meterId) : ['meter-1']);
          for (const [meterId, readings] of after) if (!allowed.has(meterId)) expect([meterId, readings]).toEqual([meterId, before.get(meterId)]);
          if (!report.committed) expect(after).toEqual(before);
          expect(report.meterId).toBe(upload.target ?? (upload.meterColumn ? undefined : 'meter-1'));
          if (upload.target !== undefined && upload.meterColumn) {
            upload.rows.forEach((row, index) => {
              if (row.meterId !== upload.target) expect(report.errors).toContainEqual(expect.objectContaining({ line: index + 2, field: 'meter_id' }));
            });
          }

          const sum = (key: keyof MeterIngestCounts) => report.meters.reduce((total, meter) => total + (meter[key] as number), 0);
          expect(report.meterCount).toBe(report.meters.length);
          expect(sum('rejected')).toBeLessThanOrEqual(report.rejected!);
          if (report.committed) {
            for (const key of ['inserted', 'updated', 'unchanged', 'skipped'] as const) expect([key, sum(key)]).toEqual([key, report[key]]);
            for (const meter of report.meters) {
              expect(allowed.has(meter.meterId)).toBe(true);
              expect([meter.meterId, readingCount(after.get(meter.meterId)) - readingCount(before.get(meter.meterId))]).toEqual([
                meter.meterId,
                meter.inserted,
              ]);
              // The default meter's sample is snapshotted as count and sum: its changed values cannot be counted.
              if (meter.meterId !== 'meter-1')
                expect([meter.meterId, changedCount(before.get(meter.meterId), after.get(meter.meterId))]).toEqual([meter.meterId, meter.updated]);
              expect([meter.meterId, meter.created]).toEqual([meter.meterId, !before.has(meter.meterId) && after.has(meter.meterId)]);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  }, 120_000);
});
