import fc from 'fast-check';
import {
  EstimateReadingsRequest,
  EstimationMethod,
  ListReadingHistoryRequest,
  ReadingQuality,
  RevertUploadRequest,
  type ListReadingHistoryResponse,
  type ReadingVersion,
} from '@meterusage/contracts';
import { openMigratedDatabase, type MigratedDatabase } from './support/database';
import { startTestGrpc, upload, type TestGrpc } from './support/grpc';

// Provenance against a model: any sequence of uploads (corrections, skips, qualities), reverts of
// any earlier write (forced or not) and estimation runs, on a real server and PostgreSQL, is read
// back as of every step's commit time and must equal what a plain in-memory model of the same
// sequence says; and the history holds every version the model ever had. The model is written
// from the rules as the README states them, not from the server's SQL.

const SLOTS = 8;
const STEP_MS = 900_000;
const BASE_MS = Date.UTC(2021, 5, 1);
const slotStart = (slot: number) => BASE_MS + slot * STEP_MS;

type Quality = 'actual' | 'estimated' | 'edited';
interface Version {
  usage: string | null;
  quality: Quality;
  writer: string;
  replacedBy?: string;
}
interface Row {
  slot: number;
  usage: string | null;
  quality: Quality;
}
type Step =
  { kind: 'upload'; rows: Row[]; policy: 'update' | 'skip' } | { kind: 'revert'; target: number; force: boolean } | { kind: 'estimate'; maxGap: number };

const row: fc.Arbitrary<Row> = fc
  .record({
    slot: fc.nat({ max: SLOTS - 1 }),
    usage: fc.constantFrom<string | null>('1', '2', '3.5', null),
    quality: fc.constantFrom<Quality>('actual', 'estimated', 'edited'),
  })
  .map((r) => (r.usage === null ? { ...r, quality: 'actual' as const } : r));
const uploadStep: fc.Arbitrary<Step> = fc.record({
  kind: fc.constant('upload' as const),
  // Short uploads half the time: corrections of a few intervals, and files of actual values only
  // (written without a quality column) meeting stored estimates, come up often enough.
  rows: fc.oneof(
    fc.uniqueArray(row, { minLength: 1, maxLength: 2, selector: (r) => r.slot }),
    fc.uniqueArray(row, { minLength: 1, maxLength: SLOTS, selector: (r) => r.slot }),
  ),
  policy: fc.constantFrom<'update' | 'skip'>('update', 'skip'),
});
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: uploadStep },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('revert' as const), target: fc.nat(), force: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('estimate' as const), maxGap: fc.integer({ min: 1, max: 4 }) }) },
);

/** The model: per interval, the current version (if any) and every version it ever had. */
class Model {
  current = new Map<number, Version>();
  versions: Array<Version & { slot: number }> = [];

  private write(slot: number, next: Omit<Version, 'writer'>, writer: string): void {
    const old = this.current.get(slot);
    if (old !== undefined) old.replacedBy = writer;
    const version = { ...next, writer };
    this.current.set(slot, version);
    this.versions.push(Object.assign(version, { slot }));
  }

  private remove(slot: number, by: string): void {
    this.current.get(slot)!.replacedBy = by;
    this.current.delete(slot);
  }

  upload(rows: Row[], policy: 'update' | 'skip', id: string): void {
    for (const r of rows) {
      const stored = this.current.get(r.slot);
      if (stored === undefined) this.write(r.slot, r, id);
      else if (stored.usage === r.usage && stored.quality === r.quality) continue;
      else if (policy === 'update' || (stored.quality === 'estimated' && r.quality === 'actual' && r.usage !== null)) this.write(r.slot, r, id);
    }
  }

  /** What reverting upload target does; applies it under id when id is given. */
  revert(target: string, force: boolean, id?: string): { restored: number; removed: number; unchanged: number; conflicts: number } {
    const counts = { restored: 0, removed: 0, unchanged: 0, conflicts: 0 };
    const touched = new Set(this.versions.filter((v) => v.writer === target || v.replacedBy === target).map((v) => v.slot));
    for (const slot of [...touched].sort((a, b) => a - b)) {
      const before = this.versions.find((v) => v.slot === slot && v.replacedBy === target);
      const wrote = this.versions.some((v) => v.slot === slot && v.writer === target);
      const current = this.current.get(slot);
      const same = current === undefined || before === undefined ? current === before : current.usage === before.usage && current.quality === before.quality;
      if (same) {
        counts.unchanged += 1;
        continue;
      }
      const stands = wrote ? current?.writer === target : current === undefined;
      if (!stands) counts.conflicts += 1;
      else if (before === undefined) counts.removed += 1;
      else counts.restored += 1;
      if ((stands || force) && id !== undefined) {
        if (before === undefined) this.remove(slot, id);
        else this.write(slot, { usage: before.usage, quality: before.quality }, id);
      }
    }
    return counts;
  }

  /** LINEAR over the window: runs with an actual or edited value on both sides, at most maxGap long. */
  estimates(maxGap: number): Array<{ slot: number; usage: string }> {
    const value = (slot: number) => {
      const v = this.current.get(slot);
      return v === undefined || v.usage === null || v.quality === 'estimated' ? undefined : Number(v.usage);
    };
    const gap = (slot: number) => this.current.get(slot)?.usage == null;
    const out: Array<{ slot: number; usage: string }> = [];
    for (let slot = 0; slot < SLOTS;) {
      if (!gap(slot)) {
        slot += 1;
        continue;
      }
      const first = slot;
      while (slot < SLOTS && gap(slot)) slot += 1;
      const n = slot - first;
      const [a, b] = [value(first - 1), value(slot)];
      if (a === undefined || b === undefined || n > maxGap) continue;
      for (let k = 1; k <= n; k += 1) out.push({ slot: first + k - 1, usage: String(Number((a + ((b - a) * k) / (n + 1)).toFixed(6))) });
    }
    return out;
  }

  estimate(estimates: Array<{ slot: number; usage: string }>, id: string): void {
    for (const e of estimates) this.write(e.slot, { usage: e.usage, quality: 'estimated' }, id);
  }

  snapshot(): Map<number, Version> {
    return new Map([...this.current].map(([slot, v]) => [slot, { ...v }]));
  }
}

const QUALITY: Record<Quality, ReadingQuality> = {
  actual: ReadingQuality.READING_QUALITY_MEASURED,
  estimated: ReadingQuality.READING_QUALITY_ESTIMATED,
  edited: ReadingQuality.READING_QUALITY_EDITED,
};
const expectedQuality = (v: Version | undefined) =>
  v === undefined ? ReadingQuality.READING_QUALITY_NOT_RECEIVED : v.usage === null ? ReadingQuality.READING_QUALITY_MISSING_IN_SOURCE : QUALITY[v.quality];

describe('provenance: uploads, reverts and estimates read back as of every step (property, real server)', () => {
  let handle: MigratedDatabase;
  let grpc: TestGrpc;
  let run = 0;

  beforeAll(async () => {
    handle = await openMigratedDatabase('provenance');
    grpc = await startTestGrpc(handle);
  }, 60_000);
  afterAll(async () => {
    await grpc?.close();
    await handle?.close();
  });

  // A file of actual values only is written without a quality column, as most files are (the
  // server then compares usage alone unless the span holds estimates or edits): both ways are tried.
  const csv = (rows: Row[]) => {
    const time = (r: Row) => new Date(slotStart(r.slot) + STEP_MS).toISOString();
    if (rows.every((r) => r.quality === 'actual')) return `time,meterusage\n${rows.map((r) => `${time(r)},${r.usage ?? 'NaN'}`).join('\n')}\n`;
    return `time,meterusage,quality\n${rows.map((r) => `${time(r)},${r.usage ?? 'NaN'},${r.usage === null ? '' : r.quality}`).join('\n')}\n`;
  };

  async function commitTimeOf(uploadId: string): Promise<number> {
    const { upload: record } = await grpc.call(grpc.client.getUpload, { uploadId });
    return record!.commitTime!.getTime();
  }

  async function readWindow(meterId: string, asOf?: number) {
    const page = await grpc.call(grpc.client.listReadings, {
      meterId,
      startTime: new Date(BASE_MS),
      endTime: new Date(slotStart(SLOTS)),
      pageSize: SLOTS,
      pageToken: '',
      asOf: asOf === undefined ? undefined : new Date(asOf),
    });
    return page.readings.map((r) => [r.usage ?? null, r.quality, r.uploadId]);
  }

  const expectedWindow = (state: Map<number, Version>) =>
    Array.from({ length: SLOTS }, (_, slot) => {
      const v = state.get(slot);
      return [v?.usage == null ? null : Number(v.usage), expectedQuality(v), v?.writer ?? ''];
    });

  it('lets a file without a quality column replace a stored estimate under skip, and turn an equal one actual under update', async () => {
    const meterId = 'prov-plain-over-estimate';
    const estimated: Row[] = [
      { slot: 0, usage: '1', quality: 'estimated' },
      { slot: 1, usage: '2', quality: 'estimated' },
    ];
    await upload(grpc.client, csv(estimated), { meterId });
    const skip = await upload(grpc.client, csv([{ slot: 0, usage: '3', quality: 'actual' }]), { meterId, onConflict: 2 });
    const update = await upload(grpc.client, csv([{ slot: 1, usage: '2', quality: 'actual' }]), { meterId, onConflict: 1 });
    expect([skip.report!.updated, update.report!.updated]).toEqual([1, 1]);
    expect((await readWindow(meterId)).slice(0, 2)).toEqual([
      [3, ReadingQuality.READING_QUALITY_MEASURED, skip.report!.uploadId],
      [2, ReadingQuality.READING_QUALITY_MEASURED, update.report!.uploadId],
    ]);
  });

  it('matches the model as of each commit, and keeps every version', async () => {
    await fc.assert(
      fc.asyncProperty(uploadStep, fc.array(step, { maxLength: 7 }), async (first, rest) => {
        const meterId = `prov-${(run += 1)}`;
        const model = new Model();
        const writes: string[] = [];
        const states: Array<{ atMs: number; state: Map<number, Version> }> = [];
        for (const s of [first, ...rest]) {
          if (s.kind === 'upload') {
            const { report } = await upload(grpc.client, csv(s.rows), { meterId, onConflict: s.policy === 'update' ? 1 : 2 });
            expect(report!.committed).toBe(true);
            model.upload(s.rows, s.policy, report!.uploadId);
            writes.push(report!.uploadId);
            states.push({ atMs: await commitTimeOf(report!.uploadId), state: model.snapshot() });
          } else if (s.kind === 'revert') {
            const target = writes[s.target % writes.length]!;
            const planned = model.revert(target, s.force);
            const dry = await grpc.call(grpc.client.revertUpload, RevertUploadRequest.fromPartial({ uploadId: target, force: s.force, dryRun: true }));
            const { report } = await grpc.call(grpc.client.revertUpload, RevertUploadRequest.fromPartial({ uploadId: target, force: s.force }));
            const expectedCounts = { ...planned, conflicts: s.force ? 0 : planned.conflicts, forced: s.force ? planned.conflicts : 0 };
            for (const answer of [dry.report!, report!]) {
              expect({
                restored: answer.restored,
                removed: answer.removed,
                unchanged: answer.unchanged,
                conflicts: answer.conflicts,
                forced: answer.forced,
              }).toEqual(expectedCounts);
            }
            expect(dry.report!.uploadId).toBe('');
            const acted = planned.restored + planned.removed + (s.force ? planned.conflicts : 0);
            expect(report!.uploadId === '').toBe(acted === 0);
            if (acted > 0) {
              model.revert(target, s.force, report!.uploadId);
              writes.push(report!.uploadId);
              states.push({ atMs: await commitTimeOf(report!.uploadId), state: model.snapshot() });
            }
          } else {
            const estimates = model.estimates(s.maxGap);
            const { report } = await grpc.call(
              grpc.client.estimateReadings,
              EstimateReadingsRequest.fromPartial({
                meterId,
                startTime: new Date(BASE_MS),
                endTime: new Date(slotStart(SLOTS)),
                method: EstimationMethod.ESTIMATION_METHOD_LINEAR,
                maxGapIntervals: s.maxGap,
              }),
            );
            expect(report!.estimated).toBe(estimates.length);
            if (estimates.length > 0) {
              model.estimate(estimates, report!.uploadId);
              writes.push(report!.uploadId);
              states.push({ atMs: await commitTimeOf(report!.uploadId), state: model.snapshot() });
            }
          }
        }

        expect(await readWindow(meterId)).toEqual(expectedWindow(model.current));
        for (const { atMs } of states) {
          // Steps committed in the same millisecond: as of it, the last of them stands.
          const state = states.filter((entry) => entry.atMs <= atMs).at(-1)!.state;
          expect(await readWindow(meterId, atMs)).toEqual(expectedWindow(state));
        }
        // Before the first upload, nothing was there.
        expect(await readWindow(meterId, states[0]!.atMs - 1)).toEqual(expectedWindow(new Map()));

        const history: ReadingVersion[] = [];
        let pageToken = '';
        do {
          const page: ListReadingHistoryResponse = await grpc.call(
            grpc.client.listReadingHistory,
            ListReadingHistoryRequest.fromPartial({
              meterId,
              startTime: new Date(BASE_MS),
              endTime: new Date(slotStart(SLOTS)),
              pageSize: 3,
              pageToken,
            }),
          );
          history.push(...page.versions);
          pageToken = page.nextPageToken;
        } while (pageToken !== '');
        const key = (slot: number, usage: string | null, quality: ReadingQuality, writer: string, replacedBy: string) =>
          `${slot}|${usage === null ? '-' : Number(usage)}|${quality}|${writer}|${replacedBy}`;
        expect(
          history
            .map((v) => key((v.start!.getTime() - BASE_MS) / STEP_MS, v.usage === undefined ? null : String(v.usage), v.quality, v.uploadId, v.replacedBy))
            .sort(),
        ).toEqual(model.versions.map((v) => key(v.slot, v.usage, expectedQuality(v), v.writer, v.replacedBy ?? '')).sort());
      }),
      { numRuns: 80 },
    );
  }, 240_000);
});
