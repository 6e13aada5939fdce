import { status, type ClientReadableStream, type ClientWritableStream, type ServiceError } from '@grpc/grpc-js';
import { ExportFormat, IngestOptions, type ExportReadingsResponse, type IngestReadingsRequest, type IngestReadingsResponse } from '@meterusage/contracts';
import { Telemetry } from '../src/prometheus';
import { openMigratedDatabase, type MigratedDatabase } from './support/database';
import { startTestGrpc, upload, type TestGrpc } from './support/grpc';
import { insertNewReadings, quarterHours } from './support/synthetic';

/**
 * Retries a call refused for want of a slot: the client learns of its own cancel at once, the
 * server a network round trip later. A slot that is never freed still fails the test.
 */
async function onceAdmitted<T>(call: () => Promise<T>, attempts = 50): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if ((error as ServiceError).code !== status.RESOURCE_EXHAUSTED || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await condition());) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// Five years of quarter hours: 35 messages of 5,000 readings, more than a client that stops
// reading holds in its buffers (16 messages, the HTTP/2 window), so the export must wait for it.
const BIG_FROM = '2014-01-01T00:00:00Z';
const BIG_TO = '2019-01-01T00:00:00Z';
const BIG_READINGS = (Date.parse(BIG_TO) - Date.parse(BIG_FROM)) / 900_000;

const CSV = 'time,meterusage\n2019-01-01 00:00:00,1.5\n2019-01-01 00:15:00,2.5\n';

describe('concurrency limits of the long streams (ExportReadings, IngestReadings)', () => {
  let handle: MigratedDatabase;
  let grpc: TestGrpc;
  const telemetry = new Telemetry();

  beforeAll(async () => {
    handle = await openMigratedDatabase('stream_limits');
    grpc = await startTestGrpc(handle, 'meter-1', { streamLimits: { IngestReadings: 1, ExportReadings: 1 }, telemetry });
    await insertNewReadings(handle.database.pool, 'big', quarterHours(BIG_FROM, BIG_TO));
  }, 60_000);
  afterAll(async () => {
    await grpc.close();
    await handle.close();
  });

  /** An upload that has sent its options and one chunk, and waits: it holds its slot until ended. */
  const openUpload = (meterId = 'meter-1') => openUploadOn(grpc, meterId);
  function openUploadOn(
    server: TestGrpc,
    meterId = 'meter-1',
  ): { call: ClientWritableStream<IngestReadingsRequest>; response: Promise<IngestReadingsResponse> } {
    let call!: ClientWritableStream<IngestReadingsRequest>;
    const response = new Promise<IngestReadingsResponse>((resolve, reject) => {
      call = server.client.ingestReadings((error, result) => (error ? reject(error) : resolve(result)));
    });
    call.write({ payload: { $case: 'options', value: IngestOptions.fromPartial({ meterId }) } });
    call.write({ payload: { $case: 'chunk', value: Buffer.from(CSV) } });
    return { call, response };
  }

  it('refuses a second upload with RESOURCE_EXHAUSTED while one runs, and admits the next once it has finished', async () => {
    const first = openUpload();
    // The first call is admitted once its metadata reached the server; a unary round trip orders that.
    await grpc.call(grpc.client.listMeters, {});
    await expect(upload(grpc.client, CSV, { meterId: 'meter-1' })).rejects.toMatchObject({
      code: status.RESOURCE_EXHAUSTED,
      details: 'IngestReadings: 1 calls are already running, the most this server allows at once; retry when one has finished',
    });
    first.call.end();
    await expect(first.response).resolves.toMatchObject({ report: { inserted: 2 } });
    // The slot is free again: the same file now goes through (and changes nothing).
    await expect(upload(grpc.client, CSV, { meterId: 'meter-1' })).resolves.toMatchObject({ report: { inserted: 0, unchanged: 2 } });
    const refused = await telemetry.registry.getSingleMetricAsString('meterusage_grpc_refused_total');
    expect(refused).toContain('meterusage_grpc_refused_total{method="IngestReadings"} 1');
  });

  it('frees the slot of an upload the client cancels', async () => {
    const cancelled = openUpload();
    await grpc.call(grpc.client.listMeters, {});
    cancelled.call.cancel();
    await expect(cancelled.response).rejects.toMatchObject({ code: status.CANCELLED });
    await expect(onceAdmitted(() => upload(grpc.client, CSV, { meterId: 'meter-1' }))).resolves.toMatchObject({ report: { unchanged: 2 } });
  });

  it('keeps the slot of a cancelled upload until its work has settled (its connection is still in use), then frees it', async () => {
    await upload(grpc.client, CSV, { meterId: 'held' });
    // Another transaction holds the meter: the next upload to it COPYs its rows, then waits for the lock.
    const blocker = await handle.database.pool.connect();
    try {
      await blocker.query('begin');
      await blocker.query(`select meter_id from meters where meter_id = 'held' for update`);
      const stalled = openUpload('held');
      stalled.call.end();
      await waitFor(async () => {
        const { rows } = await handle.database.pool.query(`select 1 from pg_stat_activity where wait_event_type = 'Lock' and query ilike '%for update%'`);
        return rows.length > 0;
      });
      stalled.call.cancel();
      await expect(stalled.response).rejects.toMatchObject({ code: status.CANCELLED });
      await new Promise((resolve) => setTimeout(resolve, 300)); // the cancel has reached the server
      // The cancelled upload still holds a connection (blocked on the lock), so it still holds its slot.
      await expect(upload(grpc.client, CSV, { meterId: 'meter-1' })).rejects.toMatchObject({ code: status.RESOURCE_EXHAUSTED });
    } finally {
      await blocker.query('rollback');
      blocker.release();
    }
    // Its rollback done, the slot is free; none of the cancelled upload's rows were written.
    await expect(onceAdmitted(() => upload(grpc.client, CSV, { meterId: 'meter-1' }))).resolves.toMatchObject({ report: { committed: true } });
    const { rows } = await handle.database.pool.query(`select count(*)::int as count from readings where meter_id = 'held'`);
    expect(rows[0].count).toBe(2);
  });

  it('refuses a second export while a slow reader holds the first, and serves exports again after it cancels', async () => {
    const slow: ClientReadableStream<ExportReadingsResponse> = grpc.client.exportReadings({ meterId: 'big', format: ExportFormat.EXPORT_FORMAT_UNSPECIFIED });
    // Read one batch, then stop reading: the server blocks on flow control with its slot taken.
    await new Promise<void>((resolve, reject) => {
      slow.once('data', () => {
        slow.pause();
        resolve();
      });
      slow.once('error', reject);
    });
    const refused = await grpc.exportAll({ meterId: 'big' }).catch((error: ServiceError) => error);
    expect(refused).toMatchObject({ code: status.RESOURCE_EXHAUSTED, details: expect.stringContaining('ExportReadings: 1 calls are already running') });

    const ended = new Promise<void>((resolve) => slow.on('error', () => resolve()));
    slow.cancel();
    await ended;
    const readings = (await onceAdmitted(() => grpc.exportAll({ meterId: 'big' }))).flatMap((message) => message.readings);
    expect(readings).toHaveLength(BIG_READINGS);
  });

  it('lets a call over the limit wait for a slot when STREAM_SLOT_WAIT_MS allows, and refuses it once the wait is over', async () => {
    const patient = await startTestGrpc(handle, 'meter-1', { streamLimits: { IngestReadings: 1 }, streamSlotWaitMs: 1_500 });
    try {
      const first = openUploadOn(patient);
      await patient.call(patient.client.listMeters, {});
      const waiting = upload(patient.client, CSV, { meterId: 'meter-1' });
      await new Promise((resolve) => setTimeout(resolve, 200));
      first.call.end();
      // The queued upload takes over the freed slot instead of being refused.
      await expect(first.response).resolves.toMatchObject({ report: { committed: true } });
      await expect(waiting).resolves.toMatchObject({ report: { unchanged: 2 } });

      const holder = openUploadOn(patient);
      await patient.call(patient.client.listMeters, {});
      const startedAt = Date.now();
      await expect(upload(patient.client, CSV, { meterId: 'meter-1' })).rejects.toMatchObject({ code: status.RESOURCE_EXHAUSTED });
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1_400);
      holder.call.end();
      await holder.response;
    } finally {
      await patient.close();
    }
  });

  it('ends an upload that sends nothing for UPLOAD_IDLE_TIMEOUT_MS with DEADLINE_EXCEEDED, rolls it back and frees its slot', async () => {
    const strict = await startTestGrpc(handle, 'meter-1', { streamLimits: { IngestReadings: 1 }, uploadIdleTimeoutMs: 1_000 });
    try {
      const idle = openUploadOn(strict, 'idle-meter');
      const startedAt = Date.now();
      await expect(idle.response).rejects.toMatchObject({
        code: status.DEADLINE_EXCEEDED,
        details: 'no data for 1 s; nothing written, send the upload again',
      });
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(900);
      const { rows } = await handle.database.pool.query(`select count(*)::int as count from meters where meter_id = 'idle-meter'`);
      expect(rows[0].count).toBe(0);
      await expect(onceAdmitted(() => upload(strict.client, CSV, { meterId: 'meter-1' }))).resolves.toMatchObject({ report: { committed: true } });
    } finally {
      await strict.close();
    }
  });

  it('ends an upload still running when shutdown ends the uploads with UNAVAILABLE saying why, rolls it back and frees its slot', async () => {
    const stopping = await startTestGrpc(handle, 'meter-1', { streamLimits: { IngestReadings: 1 } });
    try {
      const running = openUploadOn(stopping, 'shutdown-meter');
      await stopping.call(stopping.client.listMeters, {});
      await stopping.server.endUploads();
      const error = (await running.response.catch((failure: ServiceError) => failure)) as ServiceError;
      expect({ code: error.code, details: error.details, origin: error.metadata.get('meterusage-status-origin') }).toEqual({
        code: status.UNAVAILABLE,
        details: 'server shutting down; nothing written, send the upload again',
        origin: ['grpc-server'],
      });
      const { rows } = await handle.database.pool.query(`select count(*)::int as count from meters where meter_id = 'shutdown-meter'`);
      expect(rows[0].count).toBe(0);
    } finally {
      await stopping.close();
    }
  });

  it('does not limit methods without a limit', async () => {
    const held = openUpload();
    await grpc.call(grpc.client.listMeters, {});
    const meters = await Promise.all([1, 2, 3].map(() => grpc.call(grpc.client.listMeters, {})));
    expect(meters.map((response) => response.meters.map((meter) => meter.meterId).sort())).toEqual([
      ['big', 'held', 'meter-1'],
      ['big', 'held', 'meter-1'],
      ['big', 'held', 'meter-1'],
    ]);
    held.call.end();
    await held.response;
  });
});
