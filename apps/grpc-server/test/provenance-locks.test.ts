import { status } from '@grpc/grpc-js';
import pg from 'pg';
import { EstimateReadingsRequest, EstimationMethod, ListReadingsRequest, RevertUploadRequest } from '@meterusage/contracts';
import { openMigratedDatabase, type MigratedDatabase } from './support/database';
import { startTestGrpc, upload, type TestGrpc } from './support/grpc';

// Reverts and estimation runs against other writers of the same meter, and interrupted half-way:
// they take the meter's lock like an upload (so one waits for the other and the conflict rules
// see what committed first), and their transaction commits whole or not at all.

const at = (minute: number) => new Date(Date.UTC(2023, 2, 1, 0, minute)).toISOString();
const csv = (values: Array<[minute: number, value: string]>) => `time,meterusage\n${values.map(([minute, value]) => `${at(minute)},${value}`).join('\n')}\n`;

describe('revert and estimation: locking and atomicity (real server and PostgreSQL)', () => {
  let handle: MigratedDatabase;
  let grpc: TestGrpc;
  let holder: pg.Client;

  beforeAll(async () => {
    handle = await openMigratedDatabase('provenance_locks');
    grpc = await startTestGrpc(handle);
    holder = new pg.Client({ connectionString: handle.testDatabase.url });
    await holder.connect();
  }, 60_000);
  afterAll(async () => {
    await holder?.end();
    await grpc?.close();
    await handle?.close();
  });

  const values = async (meterId: string) =>
    (await grpc.call(grpc.client.listReadings, ListReadingsRequest.fromPartial({ meterId, pageSize: 100 }))).readings.map((r) => r.usage ?? null);
  const counts = async () => {
    const { rows } = await handle.database.pool.query<{ uploads: number; history: number }>(
      `select (select count(*) from uploads)::int as uploads, (select count(*) from readings_history)::int as history`,
    );
    return rows[0]!;
  };
  const settled = <T>(promise: Promise<T>) => {
    const state = { done: false };
    void promise.then(
      () => (state.done = true),
      () => (state.done = true),
    );
    return state;
  };

  it('makes a revert and an upload of the same meter wait for each other, and applies the conflict rule to whichever came first', async () => {
    const meterId = 'locks-race';
    await upload(
      grpc.client,
      csv([
        [15, '1'],
        [30, '1'],
        [45, '1'],
      ]),
      { meterId },
    );
    const correction = await upload(
      grpc.client,
      csv([
        [15, '2'],
        [30, '2'],
      ]),
      { meterId },
    );

    await holder.query('begin');
    await holder.query(`select 1 from meters where meter_id = $1 for update`, [meterId]);
    const revert = grpc.call(grpc.client.revertUpload, RevertUploadRequest.fromPartial({ uploadId: correction.report!.uploadId }));
    const later = upload(grpc.client, csv([[15, '3']]), { meterId });
    const [revertState, laterState] = [settled(revert), settled(later)];
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect([revertState.done, laterState.done]).toEqual([false, false]);
    await holder.query('commit');

    const [{ report }, { report: laterReport }] = await Promise.all([revert, later]);
    const revertTime = (await grpc.call(grpc.client.getUpload, { uploadId: report!.uploadId })).upload!.commitTime!.getTime();
    const laterTime = (await grpc.call(grpc.client.getUpload, { uploadId: laterReport!.uploadId })).upload!.commitTime!.getTime();
    const revertFirst = Number(report!.uploadId) < Number(laterReport!.uploadId);
    expect(revertFirst ? revertTime <= laterTime : laterTime <= revertTime).toBe(true);
    // Revert first: both intervals restored, then the upload writes 3. Upload first: the first
    // interval is its now (a conflict, left alone), the second is restored. Same values either way.
    expect({ restored: report!.restored, conflicts: report!.conflicts }).toEqual(revertFirst ? { restored: 2, conflicts: 0 } : { restored: 1, conflicts: 1 });
    expect(await values(meterId)).toEqual([3, 1, 1]);
  });

  it('writes nothing of a revert whose connection dies half-way through its writes', async () => {
    const meterId = 'locks-revert-cut';
    await upload(
      grpc.client,
      csv([
        [15, '1'],
        [30, '1'],
      ]),
      { meterId },
    );
    const correction = await upload(
      grpc.client,
      csv([
        [15, '5'],
        [30, '5'],
      ]),
      { meterId },
    );
    const before = await counts();

    // The revert copies the current values to history, then blocks deleting them from readings.
    await holder.query('begin');
    await holder.query('lock table readings in share mode');
    const revert = grpc.call(grpc.client.revertUpload, RevertUploadRequest.fromPartial({ uploadId: correction.report!.uploadId }));
    await terminateWhenWaiting('delete from readings');
    await holder.query('commit');

    await expect(revert).rejects.toMatchObject({ code: status.UNAVAILABLE });
    expect(await values(meterId)).toEqual([5, 5]);
    expect(await counts()).toEqual(before);
  });

  it('writes nothing of an estimation run whose connection dies half-way through its writes', async () => {
    const meterId = 'locks-estimate-cut';
    await upload(
      grpc.client,
      csv([
        [15, '1'],
        [30, 'NaN'],
        [60, '4'],
      ]),
      { meterId },
    );
    const before = await counts();

    // The run moves the missing value to history, then blocks writing the estimates.
    await holder.query('begin');
    await holder.query('lock table readings in share mode');
    const run = grpc.call(
      grpc.client.estimateReadings,
      EstimateReadingsRequest.fromPartial({
        meterId,
        startTime: new Date(at(0)),
        endTime: new Date(at(60)),
        method: EstimationMethod.ESTIMATION_METHOD_LINEAR,
      }),
    );
    await terminateWhenWaiting('insert into readings ');
    await holder.query('commit');

    await expect(run).rejects.toMatchObject({ code: status.UNAVAILABLE });
    expect(await values(meterId)).toEqual([1, null, null, 4]);
    expect(await counts()).toEqual(before);
  });

  /**
   * Terminates the backend waiting for a lock on a statement starting with `statement`, once it
   * waits. Asked on a connection of its own: inside the holder's transaction pg_stat_activity
   * would show the same snapshot every time.
   */
  async function terminateWhenWaiting(statement: string): Promise<void> {
    const watcher = new pg.Client({ connectionString: handle.testDatabase.url });
    await watcher.connect();
    try {
      await terminateFrom(watcher, statement);
    } finally {
      await watcher.end();
    }
  }

  async function terminateFrom(watcher: pg.Client, statement: string): Promise<void> {
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const { rows } = await watcher.query<{ pid: number }>(
        `select pid from pg_stat_activity where wait_event_type = 'Lock' and ltrim(query) like $1 and pid <> pg_backend_pid()`,
        [`${statement}%`],
      );
      if (rows.length > 0) {
        await watcher.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`no backend waited on "${statement}"`);
  }
});
