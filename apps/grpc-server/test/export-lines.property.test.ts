import { status, type ServiceError } from '@grpc/grpc-js';
import fc from 'fast-check';
import { sql } from 'kysely';
import {
  ExportFormat,
  isoSecondsOfMs,
  RFC3339_EARLIEST_MS,
  RFC3339_LATEST_MS,
  ReadingQuality,
  readingQualityToJSON,
  type ExportLineFormat,
} from '@meterusage/contracts';
import { exportLineBatches } from '../src/readings/export-lines';
import type { StoredQuality } from '../src/db/schema';
import { openMigratedDatabase, type MigratedDatabase } from './support/database';
import { startTestGrpc, type TestGrpc } from './support/grpc';

// The export's lines, decoded from PostgreSQL's binary COPY, against lines written from a model of
// the stored rows with the plain string forms (String() of the value, isoSecondsOfMs, JSON.stringify):
// generated meters, rows anywhere in years 0001-9999, values at the edges of the usage domain,
// every quality, NULLs, upload ids up to 2^63-1, ranges, as_of, and COPY and message limits down to
// one row, so rows are cut between COPY chunks, batches and messages everywhere.

interface StoredRow {
  startMs: number;
  /** The numeric's text as stored, or null (missing in the source). */
  usage: string | null;
  quality: StoredQuality;
  uploadId: bigint | null;
}

interface Meter {
  meterId: string;
  intervalSeconds: number;
  timeLabel: 'start' | 'end';
}

const INTERVALS = [60, 300, 900, 3600, 86_400];
const usageText = fc.oneof(
  fc
    .tuple(fc.bigInt({ min: 0n, max: 999_999_999_999n }), fc.integer({ min: 0, max: 9 }), fc.bigInt({ min: 0n, max: 999_999_999n }))
    .map(([whole, places, fraction]) => (places === 0 ? String(whole) : `${whole}.${String(fraction % 10n ** BigInt(places)).padStart(places, '0')}`)),
  fc.constantFrom('0', '0.000000001', '0.1', '0.3', '999999999999.999999999', '55.09', '0.00001', '1e-7'),
);
const storedRow = (intervalMs: number): fc.Arbitrary<StoredRow> =>
  fc.record({
    startMs: fc.integer({ min: RFC3339_EARLIEST_MS / 1000, max: Math.floor((RFC3339_LATEST_MS - intervalMs) / 1000) }).map((seconds) => seconds * 1000),
    usage: fc.option(usageText, { nil: null, freq: 5 }),
    quality: fc.constantFrom<StoredQuality>('actual', 'estimated', 'edited'),
    uploadId: fc.option(fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }), { nil: null }),
  });
/** A run of consecutive intervals (the usual case) or rows anywhere; unique starts either way. */
const storedRows = (intervalMs: number): fc.Arbitrary<StoredRow[]> =>
  fc.oneof(
    fc.uniqueArray(storedRow(intervalMs), { maxLength: 40, selector: (row) => row.startMs }),
    fc
      .tuple(storedRow(intervalMs), fc.array(storedRow(intervalMs), { minLength: 1, maxLength: 60 }))
      .map(([first, rest]) =>
        rest
          .map((row, index) => ({ ...row, startMs: Math.min(first.startMs, RFC3339_LATEST_MS - intervalMs * (rest.length + 1)) + index * intervalMs }))
          .filter((row) => row.startMs >= RFC3339_EARLIEST_MS),
      ),
  );

function expectedLine(format: ExportLineFormat, meter: Meter, row: StoredRow): string {
  const endMs = row.startMs + meter.intervalSeconds * 1000;
  const time = isoSecondsOfMs(meter.timeLabel === 'end' ? endMs : row.startMs);
  const usage = row.usage === null ? undefined : Number(row.usage);
  const quality = readingQualityToJSON(
    row.usage === null
      ? ReadingQuality.READING_QUALITY_MISSING_IN_SOURCE
      : { actual: ReadingQuality.READING_QUALITY_MEASURED, estimated: ReadingQuality.READING_QUALITY_ESTIMATED, edited: ReadingQuality.READING_QUALITY_EDITED }[
          row.quality
        ],
  );
  if (format === ExportFormat.EXPORT_FORMAT_CSV) {
    return `${meter.meterId},${time},${isoSecondsOfMs(row.startMs)},${isoSecondsOfMs(endMs)},${usage === undefined ? '' : String(usage)},${quality}\n`;
  }
  const object = {
    meterId: meter.meterId,
    time,
    start: isoSecondsOfMs(row.startMs),
    end: isoSecondsOfMs(endMs),
    usage,
    missing: row.usage === null,
    quality,
    uploadId: row.uploadId === null ? undefined : String(row.uploadId),
  };
  return `${JSON.stringify(object)}\n`;
}

describe('export lines from binary COPY', () => {
  let handle: MigratedDatabase;
  let grpc: TestGrpc;
  let meterCount = 0;

  beforeAll(async () => {
    handle = await openMigratedDatabase('export_lines');
    grpc = await startTestGrpc(handle);
  });

  afterAll(async () => {
    await grpc?.close();
    await handle?.close();
  });

  async function storeMeter(intervalSeconds: number, timeLabel: 'start' | 'end', rows: StoredRow[]): Promise<Meter> {
    const meter = { meterId: `m-${++meterCount}`, intervalSeconds, timeLabel };
    const { db } = handle.database;
    await sql`insert into meters (meter_id, unit, interval_seconds, time_label) values (${meter.meterId}, 'kWh', ${intervalSeconds}, ${timeLabel})`.execute(db);
    for (let at = 0; at < rows.length; at += 500) {
      const values = rows
        .slice(at, at + 500)
        .map(
          (row) =>
            sql`(${meter.meterId}, ${new Date(row.startMs).toISOString()}::timestamptz, ${row.usage}::numeric, ${row.quality}, ${row.uploadId === null ? null : String(row.uploadId)}::bigint)`,
        );
      await sql`insert into readings (meter_id, interval_start, usage, quality, upload_id) values ${sql.join(values)}`.execute(db);
    }
    return meter;
  }

  it('writes the lines of the stored rows in a range, in time order, as the plain forms do', async () => {
    const scenario = fc.integer({ min: 0, max: INTERVALS.length - 1 }).chain((intervalIndex) => {
      const intervalMs = INTERVALS[intervalIndex]! * 1000;
      return fc.record({
        intervalSeconds: fc.constant(INTERVALS[intervalIndex]!),
        timeLabel: fc.constantFrom<'start' | 'end'>('start', 'end'),
        rows: storedRows(intervalMs),
        format: fc.constantFrom<ExportLineFormat>(ExportFormat.EXPORT_FORMAT_CSV, ExportFormat.EXPORT_FORMAT_NDJSON),
        // Where the range cuts: before, among or after the rows (positions in the sorted starts).
        cuts: fc.tuple(fc.double({ min: -0.2, max: 1.2, noNaN: true }), fc.double({ min: -0.2, max: 1.2, noNaN: true })),
        asOf: fc.boolean(),
        limits: fc.record({ rowsPerCopy: fc.integer({ min: 1, max: 70 }), messageBytes: fc.integer({ min: 1, max: 4000 }) }),
      });
    });
    await fc.assert(
      fc.asyncProperty(scenario, async ({ intervalSeconds, timeLabel, rows, format, cuts, asOf, limits }) => {
        const meter = await storeMeter(intervalSeconds, timeLabel, rows);
        const sorted = [...rows].sort((a, b) => a.startMs - b.startMs);
        const edge = (cut: number) => {
          if (sorted.length === 0) return cut < 0.5 ? RFC3339_EARLIEST_MS : RFC3339_LATEST_MS;
          const index = Math.floor(cut * sorted.length);
          if (index < 0) return RFC3339_EARLIEST_MS;
          if (index >= sorted.length) return RFC3339_LATEST_MS;
          return sorted[index]!.startMs + (cut * 7919 > 3000 ? 0 : 1); // on a start, or just after one
        };
        const [a, b] = [edge(cuts[0]), edge(cuts[1])].sort((x, y) => x - y);
        const range = { startMs: a!, endMs: b! };
        const meterRow = { meter_id: meter.meterId, unit: 'kWh', interval_seconds: intervalSeconds, time_label: timeLabel, data_version: '1' };
        const batches: Buffer[] = [];
        for await (const parts of exportLineBatches(handle.database, meterRow, range, format, asOf ? Date.now() : undefined, limits)) {
          const batch = Buffer.concat(parts);
          expect(batch.length).toBeGreaterThan(0);
          batches.push(batch);
        }
        const expected = sorted.filter((row) => row.startMs >= range.startMs && row.startMs < range.endMs).map((row) => expectedLine(format, meter, row));
        const text = Buffer.concat(batches).toString('utf8');
        expect(text).toBe(expected.join(''));
        // Messages hold whole lines only.
        for (const batch of batches) expect(batch[batch.length - 1]).toBe(10);
      }),
      { numRuns: 150 },
    );
    // Every connection went back to the pool, none discarded.
    expect(handle.database.pool.totalCount - handle.database.pool.idleCount).toBe(0);
  });

  it('sends the same readings over gRPC as lines (CSV, NDJSON) as it sends as Reading messages, across COPY batches', async () => {
    const start = Date.UTC(2018, 0, 1);
    const rows: StoredRow[] = Array.from({ length: 40_000 }, (_, index) => ({
      startMs: start + index * 900_000,
      usage: index % 97 === 0 ? null : `${index % 1000}.${index % 7}`,
      quality: (['actual', 'estimated', 'edited'] as const)[index % 3]!,
      uploadId: index % 5 === 0 ? null : BigInt(index),
    }));
    const meter = await storeMeter(900, 'end', rows);
    const messages = await grpc.exportAll({ meterId: meter.meterId });
    const readings = messages.flatMap((message) => message.readings);
    expect(readings).toHaveLength(rows.length);
    for (const format of [ExportFormat.EXPORT_FORMAT_CSV, ExportFormat.EXPORT_FORMAT_NDJSON] as const) {
      const lineMessages = await grpc.exportAll({ meterId: meter.meterId, format });
      expect(lineMessages.every((message) => message.readings.length === 0 && message.meterId === meter.meterId && message.unit === 'kWh')).toBe(true);
      expect(Buffer.concat(lineMessages.map((message) => message.lines)).toString('utf8')).toBe(rows.map((row) => expectedLine(format, meter, row)).join(''));
      // The Reading messages say the same.
      expect(readings.map((reading) => reading.usage)).toEqual(rows.map((row) => (row.usage === null ? undefined : Number(row.usage))));
    }
  });

  it('stops at a cancel between batches and keeps the connection for the pool', async () => {
    const start = Date.UTC(2017, 0, 1);
    const rows: StoredRow[] = Array.from({ length: 60_000 }, (_, index) => ({
      startMs: start + index * 900_000,
      usage: '1.5',
      quality: 'actual',
      uploadId: null,
    }));
    const meter = await storeMeter(900, 'start', rows);
    const received = await new Promise<number>((resolve, reject) => {
      let lines = 0;
      const stream = grpc.client.exportReadings({ meterId: meter.meterId, format: ExportFormat.EXPORT_FORMAT_CSV });
      stream.on('data', (message: { lines: Buffer }) => {
        lines += message.lines.toString('latin1').split('\n').length - 1;
        stream.cancel();
      });
      stream.on('error', (error: ServiceError) => (error.code === status.CANCELLED ? resolve(lines) : reject(error)));
      stream.on('end', () => reject(new Error('the export finished instead of being cancelled')));
    });
    expect(received).toBeLessThan(rows.length);
    for (let attempt = 0; attempt < 100 && handle.database.pool.idleCount < handle.database.pool.totalCount; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(handle.database.pool.totalCount - handle.database.pool.idleCount).toBe(0);
    // The connection came back in a usable state: no transaction left open on it.
    const { rows: states } = await sql<{
      state: string;
    }>`select state from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`.execute(handle.database.db);
    expect(states.filter((row) => row.state.startsWith('idle in transaction'))).toEqual([]);
  });

  it('refuses with OUT_OF_RANGE an export whose last interval ends in year 10000, which RFC 3339 cannot write', async () => {
    const last = Date.parse('9999-12-31T23:45:00Z');
    const meter = await storeMeter(900, 'start', [
      { startMs: last - 900_000, usage: '1', quality: 'actual', uploadId: null },
      { startMs: last, usage: '2', quality: 'actual', uploadId: null },
    ]);
    for (const format of [ExportFormat.EXPORT_FORMAT_CSV, ExportFormat.EXPORT_FORMAT_NDJSON]) {
      await expect(grpc.exportAll({ meterId: meter.meterId, format })).rejects.toMatchObject({
        code: status.OUT_OF_RANGE,
        details: expect.stringContaining('after 9999-12-31T23:59:59.999Z'),
      });
    }
    // The failed COPYs gave their connections back (discarded, not leaked).
    for (let attempt = 0; attempt < 100 && handle.database.pool.idleCount < handle.database.pool.totalCount; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(handle.database.pool.totalCount - handle.database.pool.idleCount).toBe(0);
  });

  it('refuses a format outside the enum with INVALID_ARGUMENT naming the field', async () => {
    await expect(grpc.exportAll({ meterId: 'm-1', format: 7 as ExportFormat })).rejects.toMatchObject({
      details: 'format: must be EXPORT_FORMAT_UNSPECIFIED, EXPORT_FORMAT_CSV or EXPORT_FORMAT_NDJSON',
    });
  });
});
