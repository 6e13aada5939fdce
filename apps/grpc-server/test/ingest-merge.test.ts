import { EVERY_METER } from '../src/ingest/upload-meters';
import { Readable } from 'node:stream';
import { ingestCsv, type IngestOptions, type IngestResult } from '../src/ingest/ingest-csv';
import { capturingLogger } from './support/captured-logs';
import { openMigratedDatabase, testOrigin, type MigratedDatabase } from './support/database';

// ingestCsv's two ways into readings: append (no staged row meets a stored one: plain INSERT) and
// merge (equal rows left out, the rest through INSERT … ON CONFLICT), told apart by the "write"
// field of its log line; the counts must be exact either way.

const QUARTER_MS = 900_000;
const FIRST_END_MS = Date.UTC(2020, 0, 1, 0, 15);

/** Rows "time,meterusage" from quarter-hour index `from` (labelled by interval end) with value(index). */
function rows(from: number, count: number, value: (index: number) => string = (index) => `${index}.5`): string[] {
  return Array.from({ length: count }, (_, offset) => {
    const index = from + offset;
    return `${new Date(FIRST_END_MS + index * QUARTER_MS).toISOString()},${value(index)}`;
  });
}
const file = (lines: string[], header = 'time,meterusage') => `${header}\n${lines.join('\n')}\n`;

/** Resolves once a session of the test database waits for a lock (another upload's). */
async function waitForLockWait(handle: MigratedDatabase): Promise<void> {
  for (;;) {
    const { rows: waiting } = await handle.database.pool.query<{ count: number }>(
      `select count(*)::int as count from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
    );
    if (waiting[0]!.count > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('ingestCsv: append and merge paths against a real PostgreSQL', () => {
  let handle: MigratedDatabase;
  const { logger, logs } = capturingLogger();

  beforeAll(async () => {
    handle = await openMigratedDatabase('ingest-merge');
  }, 60_000);
  afterAll(async () => {
    await handle.close();
  });

  const OPTIONS: IngestOptions = {
    meterId: undefined,
    defaultMeterId: 'm',
    unit: undefined,
    timeZone: 'UTC',
    onConflict: 'update',
    mode: 'atomic',
    timeLabel: undefined,
    maxNewMeters: 1000,
    sourceName: 'test',
    writeGrant: EVERY_METER,
    origin: testOrigin(),
  };

  /** ingestCsv over text in odd-sized chunks: lines cross chunk boundaries. */
  async function ingest(text: string, options: Partial<IngestOptions> = {}): Promise<IngestResult & { write: unknown }> {
    const result = await ingestCsv(
      handle.database,
      Readable.from(
        (function* () {
          for (let at = 0; at < text.length; at += 997) yield text.slice(at, at + 997);
        })(),
      ),
      { ...OPTIONS, sourceName: 'test', ...options },
      { storage: { hourlyRollup: false }, logger },
    );
    return { ...result, write: logs.at(-1)?.write };
  }
  /** Upload B of meterId: its first chunk is read, the rest waits for releaseRest. */
  function heldUpload(first: string, rest: string, meterId: string) {
    let releaseRest!: () => void;
    const released = new Promise<void>((resolve) => (releaseRest = resolve));
    let firstChunkTaken!: () => void;
    const started = new Promise<void>((resolve) => (firstChunkTaken = resolve));
    const upload = ingestCsv(
      handle.database,
      (async function* () {
        yield first;
        firstChunkTaken();
        await released;
        yield rest;
      })(),
      { ...OPTIONS, meterId, sourceName: 'B' },
      { storage: { hourlyRollup: false }, logger },
    );
    return { upload, started, releaseRest };
  }
  const stored = async (meterId: string) =>
    (
      await handle.database.pool.query<{ usage: string | null }>(`select usage::text from readings where meter_id = $1 order by interval_start`, [meterId])
    ).rows.map((row) => row.usage);

  it('appends a new meter: every row inserted with a plain INSERT', async () => {
    const result = await ingest(file(rows(0, 500)), { meterId: 'append-1' });
    expect(result).toMatchObject({ committed: true, accepted: 500, inserted: 500, updated: 0, unchanged: 0, skipped: 0, rejected: 0, write: 'direct' });
    expect(await stored('append-1')).toHaveLength(500);
  });

  it('appends rows after the latest stored one, and rows before the first (no stored row in their span)', async () => {
    const later = await ingest(file(rows(500, 100)), { meterId: 'append-1' });
    expect(later).toMatchObject({ committed: true, accepted: 100, inserted: 100, updated: 0, unchanged: 0, write: 'direct' });
    await ingest(file(rows(1000, 10)), { meterId: 'append-1' });
    // A gap-filler between stored runs whose own span holds no stored row: still an append.
    const between = await ingest(file(rows(700, 50)), { meterId: 'append-1' });
    expect(between).toMatchObject({ committed: true, inserted: 50, unchanged: 0, write: 'append' });
    expect(await stored('append-1')).toHaveLength(660);
  });

  it('merges an identical file: every row unchanged, nothing written', async () => {
    const before = await handle.database.pool.query(`select xmin::text, usage::text from readings where meter_id = 'append-1' order by interval_start`);
    const result = await ingest(file(rows(0, 600)), { meterId: 'append-1' });
    expect(result).toMatchObject({ committed: true, accepted: 600, inserted: 0, updated: 0, unchanged: 600, skipped: 0, write: 'merge' });
    const after = await handle.database.pool.query(`select xmin::text, usage::text from readings where meter_id = 'append-1' order by interval_start`);
    // No row version changed: equal rows were neither updated nor locked.
    expect(after.rows).toEqual(before.rows);
  });

  it('merges a mixed file exactly: new, changed, unchanged and missing rows (on_conflict=update)', async () => {
    await ingest(file(rows(0, 100)), { meterId: 'mixed-1' });
    // Rows 50..149: 50..99 stored (every 10th changed, 95 set to NaN), 100..149 new.
    const text = file(rows(50, 100, (index) => (index === 95 ? 'NaN' : index % 10 === 0 && index < 100 ? `${index}.75` : `${index}.5`)));
    const result = await ingest(text, { meterId: 'mixed-1' });
    expect(result).toMatchObject({ committed: true, accepted: 100, inserted: 50, updated: 6, unchanged: 44, skipped: 0, write: 'merge' });
    const values = await stored('mixed-1');
    expect(values).toHaveLength(150);
    expect([values[60], values[61], values[95], values[149]]).toEqual(['60.75', '61.5', null, '149.5']);
    // A NaN sent again over a stored NULL is unchanged.
    expect(await ingest(file(rows(95, 1, () => 'nan')), { meterId: 'mixed-1' })).toMatchObject({ inserted: 0, updated: 0, unchanged: 1, write: 'merge' });
  });

  it('counts skipped rows with on_conflict=skip and keeps the stored values', async () => {
    const result = await ingest(file(rows(140, 20, (index) => (index < 145 ? '999' : `${index}.5`))), { meterId: 'mixed-1', onConflict: 'skip' });
    expect(result).toMatchObject({ committed: true, accepted: 20, inserted: 10, updated: 0, skipped: 5, unchanged: 5, write: 'merge' });
    expect((await stored('mixed-1'))[140]).toBe('140.5');
  });

  it('rejects conflicts with on_conflict=reject: atomic writes nothing, partial writes the rest', async () => {
    const text = file(rows(155, 10, (index) => (index < 157 ? '999' : `${index}.5`)));
    const atomic = await ingest(text, { meterId: 'mixed-1', onConflict: 'reject' });
    expect(atomic).toMatchObject({ committed: false, accepted: 8, rejected: 2, inserted: 0, errors: [{ line: 2 }, { line: 3 }] });
    expect(atomic.errors[0]!.reason).toBe('conflicts with the stored value 155.5 (on_conflict=reject)');
    expect(await stored('mixed-1')).toHaveLength(160);
    const partial = await ingest(text, { meterId: 'mixed-1', onConflict: 'reject', mode: 'partial' });
    expect(partial).toMatchObject({ committed: true, accepted: 8, rejected: 2, inserted: 5, unchanged: 3, write: 'merge' });
    expect(await stored('mixed-1')).toHaveLength(165);
  });

  it('takes out duplicates of an out-of-order file before appending (partial mode)', async () => {
    const lines = rows(0, 20);
    const text = file([...lines.slice(10), ...lines.slice(0, 10), lines[3]!.replace(/,.*/, ',42')]);
    const result = await ingest(text, { meterId: 'dup-1', mode: 'partial' });
    expect(result).toMatchObject({ committed: true, accepted: 20, inserted: 20, rejected: 1, write: 'append' });
    expect(result.errors).toEqual([{ line: 22, field: 'time', reason: 'duplicate time: line 15 already has a reading for this interval' }]);
    expect((await stored('dup-1'))[3]).toBe('3.5');
  });

  it('merges a multi-meter file when any one meter meets stored rows, with exact counts per row', async () => {
    await ingest(file(rows(0, 10)), { meterId: 'multi-a' });
    const lines = [...rows(5, 10).map((line) => `multi-a,${line}`), ...rows(0, 10).map((line) => `multi-b,${line}`)];
    const result = await ingest(file(lines, 'meter_id,time,meterusage'));
    expect(result).toMatchObject({ committed: true, accepted: 20, inserted: 15, updated: 0, unchanged: 5, metersCreated: ['multi-b'], write: 'merge' });
    expect(await stored('multi-a')).toHaveLength(15);
    expect(await stored('multi-b')).toHaveLength(10);
  });

  it('serialises concurrent on_conflict=reject uploads of different values: one commits, the other sees its rows as conflicts', async () => {
    await ingest(file(rows(0, 1)), { meterId: 'race-1' });
    const uploads = await Promise.all(
      ['1', '2'].map((writer) => ingest(file(rows(1, 3000, (index) => `${writer}.${index}`)), { meterId: 'race-1', onConflict: 'reject' })),
    );
    const committed = uploads.filter((result) => result.committed);
    expect(committed).toHaveLength(1);
    expect(committed[0]).toMatchObject({ inserted: 3000, rejected: 0 });
    expect(uploads.find((result) => !result.committed)).toMatchObject({ rejected: 3000, inserted: 0 });
    expect(await stored('race-1')).toHaveLength(3001);
  });

  it('writes nothing (ABORTED) when a concurrent upload created its new meter with another time label while it was read', async () => {
    const lines = rows(0, 2);
    // B read the meter list at its start (the meter did not exist: rows read as interval ends) ...
    // (a meter_id column: B creates its meters once read, not at its first row as a file of one meter does)
    const { upload: uploadB, started, releaseRest } = heldUpload(`meter_id,time,meterusage\nraced,${lines[0]}\n`, `raced,${lines[1]}\n`, 'raced');
    await started;
    // ... while A creates the same meter with times labelling the interval start, and commits.
    const uploadA = await ingest(file(lines), { meterId: 'raced', timeLabel: 'start' });
    expect(uploadA).toMatchObject({ committed: true, inserted: 2, metersCreated: ['raced'] });
    releaseRest();
    await expect(uploadB).rejects.toThrow(
      'meter "raced" was created by another upload while this one was read (interval 900 s, times label the interval start); nothing was written: send the file again',
    );
    expect(await stored('raced')).toEqual(['0.5', '1.5']);
    // Sent again, B reads the meter as it now is: the same rows, unchanged.
    expect(await ingest(file(lines), { meterId: 'raced' })).toMatchObject({ committed: true, inserted: 0, unchanged: 2 });
  });

  it('creates the new meter of a one-meter file at its first row: a concurrent creator waits, then is refused, nothing written', async () => {
    const lines = rows(0, 2);
    // B's first row created the meter (times labelling the interval end) and writes straight into readings ...
    const { upload: uploadB, started, releaseRest } = heldUpload(`time,meterusage\n${lines[0]}\n`, `${lines[1]}\n`, 'raced-first');
    await started;
    // ... so A, creating the same meter with times labelling the interval start, waits for B's lock.
    const uploadA = ingest(file(lines), { meterId: 'raced-first', timeLabel: 'start' });
    uploadA.catch(() => undefined);
    await waitForLockWait(handle);
    releaseRest();
    expect(await uploadB).toMatchObject({ committed: true, inserted: 2, metersCreated: ['raced-first'] });
    await expect(uploadA).rejects.toThrow(
      'time_label: the upload says start, meter "raced-first" (created by another upload while this one was read) has end; nothing was written',
    );
    expect(await stored('raced-first')).toEqual(['0.5', '1.5']);
  });
});
