import fc from 'fast-check';
import { sql } from 'kysely';
import { BucketWidth, ExportFormat, IngestMode, RFC3339_EARLIEST_MS, RFC3339_LATEST_MS } from '@meterusage/contracts';
import { openMigratedDatabase, type MigratedDatabase } from './support/database';
import { startTestGrpc, upload, type TestGrpc } from './support/grpc';

// Intervals at the end of year 9999, where the API's times end: generated meters (interval, time
// label) and labels on the last grid points a CSV time can name. A row is stored exactly when its
// whole interval lies inside the years answers can write; every read of what was stored answers
// (never INTERNAL): readings, export lines, buckets and the summary. (The other end is not
// reachable from a file: data files refuse years before 0100 as typos, timestamp-parse.ts.)

const INTERVALS = [60, 900, 3600, 86_400];

describe('intervals at the edges of years 0001-9999', () => {
  let handle: MigratedDatabase;
  let grpc: TestGrpc;
  let meters = 0;

  beforeAll(async () => {
    handle = await openMigratedDatabase('time_edges');
    grpc = await startTestGrpc(handle);
  });

  afterAll(async () => {
    await grpc?.close();
    await handle?.close();
  });

  it('stores a row exactly when its interval lies inside those years, and reads it back', async () => {
    const scenario = fc.record({
      intervalSeconds: fc.constantFrom(...INTERVALS),
      timeLabel: fc.constantFrom('start', 'end'),
      steps: fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }),
    });
    await fc.assert(
      fc.asyncProperty(scenario, async ({ intervalSeconds, timeLabel, steps }) => {
        const meterId = `edge-${++meters}`;
        const intervalMs = intervalSeconds * 1000;
        await sql`insert into meters (meter_id, interval_seconds, time_label) values (${meterId}, ${intervalSeconds}, ${timeLabel})`.execute(
          handle.database.db,
        );
        // The last grid points a CSV time can name (in year 9999), counted back from the last.
        const labels = steps.map((step) => Math.floor(RFC3339_LATEST_MS / intervalMs) * intervalMs - step * intervalMs).sort((a, b) => a - b);
        const csv = `time,meterusage\n${labels.map((ms, index) => `${new Date(ms).toISOString().replace('.000Z', 'Z')},${index + 1}`).join('\n')}\n`;
        const { report } = await upload(grpc.client, csv, { meterId, mode: IngestMode.INGEST_MODE_PARTIAL });
        const startOf = (label: number) => (timeLabel === 'end' ? label - intervalMs : label);
        const writable = labels.filter((label) => startOf(label) >= RFC3339_EARLIEST_MS && startOf(label) + intervalMs <= RFC3339_LATEST_MS);
        expect(report?.inserted).toBe(writable.length);
        expect(report?.errors.map((error) => [error.field, error.reason.includes('outside years 0001-9999')])).toEqual(
          labels.filter((label) => !writable.includes(label)).map(() => ['time', true]),
        );
        if (writable.length === 0) return;
        const readings = await grpc.call(grpc.client.listReadings, { meterId, pageSize: 10_000, pageToken: '' });
        expect(readings.readings.filter((reading) => reading.usage !== undefined)).toHaveLength(writable.length);
        const lines = await grpc.exportAll({ meterId, format: ExportFormat.EXPORT_FORMAT_CSV });
        expect(
          Buffer.concat(lines.map((message) => message.lines))
            .toString('latin1')
            .split('\n').length - 1,
        ).toBe(writable.length);
        const { summary } = await grpc.call(grpc.client.getUsageSummary, { meterId });
        expect(summary?.presentCount).toBe(writable.length);
        const { buckets } = await grpc.call(grpc.client.aggregateUsage, { meterId, bucketWidth: BucketWidth.BUCKET_WIDTH_DAY, timeZone: 'UTC' });
        expect(buckets.reduce((count, bucket) => count + bucket.presentCount, 0)).toBe(writable.length);
      }),
      { numRuns: 60 },
    );
  });
});
