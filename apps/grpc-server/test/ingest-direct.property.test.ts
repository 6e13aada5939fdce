import fc from 'fast-check';
import { Readable } from 'node:stream';
import { ingestCsv, type IngestOptions, type IngestResult } from '../src/ingest/ingest-csv';
import { EVERY_METER } from '../src/ingest/upload-meters';
import { capturingLogger } from './support/captured-logs';
import { openMigratedDatabase, testOrigin, type MigratedDatabase } from './support/database';

// The direct path (rows of a one-meter file COPYed straight into readings while they only extend
// the meter's data, src/ingest/direct-append.ts) against the staging path it short-cuts. Each run
// loads one generated file twice, into two meters with the same stored readings: as a file of
// one meter (direct path eligible) and with a meter_id column (always staged). The files start
// after the stored data, or anywhere, and then may break time order: repeats, rows out of order,
// rows meeting stored readings, rejected rows, with or without a quality column, under every
// policy and mode. Both loads must give the same report (counts, errors and their lines), the
// same readings and the same history.

const STEP_MS = 900_000;
const BASE_MS = Date.UTC(2022, 2, 1);
const SLOTS = 40;
/** A row's time, labelling its interval's end (a new meter's default). */
const timeOf = (slot: number) => new Date(BASE_MS + (slot + 1) * STEP_MS).toISOString();

type Quality = 'actual' | 'estimated' | 'edited';
interface Row {
  slot: number;
  /** A value; '-1' and 'x' are rejected rows. */
  usage: string;
  quality: Quality;
}
const usage = fc.constantFrom('1', '2', '2.50', 'NaN', '-1', 'x');
const quality = fc.constantFrom<Quality>('actual', 'actual', 'estimated', 'edited');
const rowAt = (slot: fc.Arbitrary<number>) => fc.record({ slot, usage, quality });

const scenario = fc
  .record({
    stored: fc.uniqueArray(fc.nat({ max: SLOTS / 2 - 1 }), { maxLength: 10 }),
    // The file: a run in time order from startSlot, then any rows (out of order, repeats, stored intervals).
    startSlot: fc.nat({ max: SLOTS - 1 }),
    steps: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 15 }),
    orderedUsage: fc.array(usage, { minLength: 15, maxLength: 15 }),
    orderedQuality: fc.array(quality, { minLength: 15, maxLength: 15 }),
    tail: fc.oneof(fc.constant<Row[]>([]), fc.array(rowAt(fc.nat({ max: SLOTS - 1 })), { maxLength: 6 })),
    withQuality: fc.boolean(),
    onConflict: fc.constantFrom<IngestOptions['onConflict']>('update', 'skip', 'reject'),
    mode: fc.constantFrom<IngestOptions['mode']>('atomic', 'partial'),
  })
  .map((s) => {
    const ordered: Row[] = [];
    let slot = s.startSlot;
    s.steps.forEach((step, index) => {
      if (slot < SLOTS) ordered.push({ slot, usage: s.orderedUsage[index]!, quality: s.orderedQuality[index]! });
      slot += step;
    });
    return { ...s, rows: [...ordered, ...s.tail] };
  });

describe('direct append: the same outcome as the staging path, for any file of one meter', () => {
  let handle: MigratedDatabase;
  const { logger, logs } = capturingLogger();
  beforeAll(async () => {
    handle = await openMigratedDatabase('ingest-direct');
  }, 60_000);
  afterAll(async () => {
    await handle.close();
  });

  const options = (overrides: Partial<IngestOptions>): IngestOptions => ({
    meterId: undefined,
    defaultMeterId: 'unused',
    unit: undefined,
    timeZone: 'UTC',
    onConflict: 'update',
    mode: 'atomic',
    timeLabel: undefined,
    maxNewMeters: 10,
    sourceName: 'property',
    writeGrant: EVERY_METER,
    origin: testOrigin(),
    ...overrides,
  });
  /** ingestCsv over text in small chunks (rows cross chunk and batch boundaries); an error becomes its message. */
  const ingest = async (text: string, overrides: Partial<IngestOptions>): Promise<(IngestResult & { log?: Record<string, unknown> }) | string> => {
    const chunks = (function* () {
      for (let at = 0; at < text.length; at += 61) yield text.slice(at, at + 61);
    })();
    try {
      const result = await ingestCsv(handle.database, Readable.from(chunks), options(overrides), { storage: { hourlyRollup: false }, logger });
      return { ...result, log: logs.at(-1) };
    } catch (error) {
      return (error as Error).message;
    }
  };
  const csv = (rows: Row[], meterColumn: string | undefined, withQuality: boolean) => {
    const header = [...(meterColumn === undefined ? [] : ['meter_id']), 'time', 'meterusage', ...(withQuality ? ['quality'] : [])].join(',');
    const line = (row: Row) =>
      [...(meterColumn === undefined ? [] : [meterColumn]), timeOf(row.slot), row.usage, ...(withQuality ? [row.quality] : [])].join(',');
    return `${header}\n${rows.map(line).join('\n')}\n`;
  };
  /** A meter's readings and history, by slot, without upload ids (the two meters' uploads differ). */
  const contents = async (meterId: string) => {
    const slotOf = `((extract(epoch from interval_start) * 1000)::bigint - ${BASE_MS}) / ${STEP_MS}`;
    const readings = await handle.database.pool.query(
      `select ${slotOf} as slot, usage::text, quality, upload_id is not null as has_upload from readings where meter_id = $1 order by interval_start`,
      [meterId],
    );
    const history = await handle.database.pool.query(
      `select ${slotOf} as slot, usage::text, quality from readings_history where meter_id = $1 order by interval_start, replaced_at, usage, quality`,
      [meterId],
    );
    return { readings: readings.rows, history: history.rows };
  };
  const comparable = (outcome: Awaited<ReturnType<typeof ingest>>, meterId: string) => {
    if (typeof outcome === 'string') return outcome.replaceAll(meterId, '<meter>');
    const { committed, accepted, inserted, updated, unchanged, skipped, rejected, errors, metersCreated, firstStartMs, lastEndMs } = outcome;
    return {
      committed,
      counts: { accepted, inserted, updated, unchanged, skipped, rejected },
      // The staged file has a meter_id column: the same rows are on the same lines.
      errors,
      created: metersCreated.length,
      span: [firstStartMs, lastEndMs],
      recorded: outcome.uploadId !== undefined,
    };
  };

  it('gives the staging path’s report, readings and history, and takes the direct path often', async () => {
    let run = 0;
    const paths = { kept: 0, withdrawn: 0 };
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        run += 1;
        const direct = `direct-${run}`;
        const staged = `staged-${run}`;
        if (s.stored.length > 0) {
          const stored = s.stored.map((slot) => ({ slot, usage: String(slot), quality: slot % 3 === 0 ? ('estimated' as const) : ('actual' as const) }));
          for (const meterId of [direct, staged]) {
            const seeded = await ingest(csv(stored, meterId, true), {});
            expect(seeded).toMatchObject({ committed: true });
          }
        }
        const viaDirect = await ingest(csv(s.rows, undefined, s.withQuality), { meterId: direct, onConflict: s.onConflict, mode: s.mode });
        const viaStaging = await ingest(csv(s.rows, staged, s.withQuality), { meterId: staged, onConflict: s.onConflict, mode: s.mode });
        if (typeof viaDirect !== 'string') {
          const taken = viaDirect.log?.direct;
          if (taken === 'kept' || taken === 'withdrawn') paths[taken] += 1;
          if (taken === 'kept' && viaDirect.committed) expect(viaDirect.log?.write).toBe('direct');
        }
        expect(comparable(viaDirect, direct)).toEqual(comparable(viaStaging, staged));
        expect(await contents(direct)).toEqual(await contents(staged));
      }),
      { numRuns: 150 },
    );
    // The generator reaches both ends of the path: kept to the end, and withdrawn mid-file.
    expect(paths.kept).toBeGreaterThan(15);
    expect(paths.withdrawn).toBeGreaterThan(5);
  }, 300_000);
});
