import fc from 'fast-check';
import { Readable } from 'node:stream';
import { ingestCsv, type IngestOptions, type IngestResult } from '../src/ingest/ingest-csv';
import { EVERY_METER } from '../src/ingest/upload-meters';
import { capturingLogger } from './support/captured-logs';
import { openMigratedDatabase, testOrigin, type MigratedDatabase } from './support/database';

// The paths of a one-meter file against the staging path they short-cut: the direct path (rows
// COPYed straight into readings while they only extend the meter's data, src/ingest/direct-append.ts)
// and the re-upload comparison (rows equal to the stored ones left out of staging,
// src/ingest/stored-comparison.ts). Each run loads one generated file twice, into two meters with
// the same stored readings: as a file of one meter (either path eligible) and with a meter_id
// column (always staged). The files start after the stored data, or anywhere, or repeat the
// stored data with changes, and may break time order: repeats, rows out of order, rows meeting
// stored readings, rejected rows, with or without a quality column, under every policy and mode.
// Both loads must give the same report (counts, errors and their lines), the same readings and
// the same history.

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

/** A re-upload: the stored rows of a run of slots, sent again with changes. */
const storedValue = fc.constantFrom('1.5', '2', '0.250', 'NaN', '7');
const reupload = fc
  .record({
    stored: fc.array(fc.record({ usage: storedValue, estimated: fc.nat({ max: 5 }).map((n) => n === 0) }), { minLength: 3, maxLength: SLOTS - 6 }),
    // Per stored row: sent as stored (most), with another value, the same value written otherwise,
    // another quality, left out, or replaced by a rejected row.
    edits: fc.oneof(
      fc.constant(Array.from({ length: SLOTS }, () => 'same')),
      fc.array(fc.constantFrom('same', 'same', 'same', 'same', 'same', 'value', 'spelling', 'quality', 'omit', 'reject'), {
        minLength: SLOTS,
        maxLength: SLOTS,
      }),
    ),
    extension: fc.oneof(fc.constant(0), fc.nat({ max: 5 })),
    tail: fc.oneof(fc.constant<Row[]>([]), fc.constant<Row[]>([]), fc.array(rowAt(fc.nat({ max: SLOTS - 1 })), { minLength: 1, maxLength: 3 })),
    withQuality: fc.boolean(),
    chunks: fc.constantFrom({ minRows: 1, maxRows: 2 }, { minRows: 1, maxRows: 5 }, { minRows: 3, maxRows: 8 }, { minRows: 2, maxRows: 8192 }),
    onConflict: fc.constantFrom<IngestOptions['onConflict']>('update', 'skip', 'reject'),
    mode: fc.constantFrom<IngestOptions['mode']>('atomic', 'partial'),
  })
  .map((s) => {
    const stored: Row[] = s.stored.map((value, slot) => ({
      slot,
      usage: value.usage,
      quality: value.estimated && value.usage !== 'NaN' ? 'estimated' : 'actual',
    }));
    const rows: Row[] = [];
    stored.forEach((row, slot) => {
      const edit = s.edits[slot]!;
      if (edit === 'omit') return;
      if (edit === 'reject') rows.push({ ...row, usage: 'x' });
      else if (edit === 'value') rows.push({ ...row, usage: row.usage === '7' ? '8' : '7' });
      else if (edit === 'spelling') rows.push({ ...row, usage: row.usage === 'NaN' ? '' : `${row.usage}${row.usage.includes('.') ? '0' : '.0'}` });
      else if (edit === 'quality') rows.push({ ...row, quality: row.quality === 'actual' ? 'edited' : 'actual' });
      // Sent as stored: a file without a quality column says actual, so its estimated rows differ.
      else rows.push(row);
    });
    for (let slot = stored.length; slot < stored.length + s.extension; slot += 1) rows.push({ slot, usage: '3', quality: 'actual' });
    return { ...s, stored, rows: [...rows, ...s.tail] };
  });

describe('one-meter paths: the same outcome as the staging path, for any file of one meter', () => {
  let handle: MigratedDatabase;
  const { logger, logs } = capturingLogger();
  beforeAll(async () => {
    handle = await openMigratedDatabase('ingest-one-meter');
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
  const ingest = async (
    text: string,
    overrides: Partial<IngestOptions>,
    comparisonChunks?: { minRows: number; maxRows: number },
  ): Promise<(IngestResult & { log?: Record<string, unknown> }) | string> => {
    const chunks = (function* () {
      for (let at = 0; at < text.length; at += 61) yield text.slice(at, at + 61);
    })();
    try {
      const result = await ingestCsv(handle.database, Readable.from(chunks), options(overrides), {
        storage: { hourlyRollup: false },
        logger,
        comparisonChunks,
      });
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

  it('leaves the rows of a re-upload equal to the stored ones out of staging, with the staging path’s outcome', async () => {
    let run = 0;
    const paths = { kept: 0, withdrawn: 0, skippedRows: 0, nothingStaged: 0 };
    await fc.assert(
      fc.asyncProperty(reupload, async (s) => {
        run += 1;
        const compared = `compared-${run}`;
        const staged = `restaged-${run}`;
        for (const meterId of [compared, staged]) expect(await ingest(csv(s.stored, meterId, true), {})).toMatchObject({ committed: true });
        const options = { onConflict: s.onConflict, mode: s.mode };
        const viaComparison = await ingest(csv(s.rows, undefined, s.withQuality), { meterId: compared, ...options }, s.chunks);
        const viaStaging = await ingest(csv(s.rows, staged, s.withQuality), { meterId: staged, ...options });
        if (typeof viaComparison !== 'string' && viaComparison.log?.compare !== undefined) {
          const { compare, unchangedRowsSkipped } = viaComparison.log as { compare: 'kept' | 'withdrawn'; unchangedRowsSkipped: number };
          paths[compare] += 1;
          paths.skippedRows += unchangedRowsSkipped;
          if (compare === 'kept' && unchangedRowsSkipped === viaComparison.accepted) paths.nothingStaged += 1;
          // Only rows found equal are left out, so they are all counted unchanged.
          expect(viaComparison.unchanged).toBeGreaterThanOrEqual(viaComparison.committed ? unchangedRowsSkipped : 0);
        }
        expect(comparable(viaComparison, compared)).toEqual(comparable(viaStaging, staged));
        expect(await contents(compared)).toEqual(await contents(staged));
      }),
      { numRuns: 150 },
    );
    // The generator reaches every end of the path: kept (some files wholly unchanged), withdrawn.
    expect(paths.kept).toBeGreaterThan(30);
    expect(paths.withdrawn).toBeGreaterThan(15);
    expect(paths.nothingStaged).toBeGreaterThan(3);
    expect(paths.skippedRows).toBeGreaterThan(200);
  }, 300_000);
});
