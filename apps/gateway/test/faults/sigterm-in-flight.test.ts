import { credentials, Metadata, status, type ClientWritableStream, type ServiceError } from '@grpc/grpc-js';
import {
  ExportFormat,
  HealthClient,
  IngestOptions,
  METER_USAGE_SERVICE_NAME,
  MeterUsageServiceClient,
  ServingStatus,
  type ExportReadingsResponse,
  type HealthCheckResponse,
  type IngestReadingsRequest,
  type IngestReadingsResponse,
} from '@meterusage/contracts';
import {
  createTestDatabase,
  freePort,
  loadSyntheticReadings,
  SAMPLE_CSV_PATH,
  startGrpcServer,
  waitUntil,
  type AppProcess,
  type TestDatabase,
} from '@meterusage/testing';
import { countReadings, report, since, syntheticCsv, waitForCopy } from './support';

const EXPORT_ROWS = 300_000; // 60 batches of 5,000: far more than grpc-js buffers, so a paused export is really in flight
const UPLOAD_ROWS = 100_000; // about 3 MB of CSV, sent in 64 KiB chunks
const CHUNK_BYTES = 64 * 1024;
// Generous when the clients carry on (a busy CI machine must not turn their finishing into a
// cancellation), short when they stall (the deadline is what is tested there).
const CARRY_ON_GRACE_MS = 60_000;
const STALL_GRACE_MS = 3_000;
const SEED_ROWS = 2975;

/** A health Watch of the meter service that records every status it is sent, and how it ended. */
function watchHealth(target: string): { statuses: string[]; ended: Promise<string>; close(): void } {
  const client = new HealthClient(target, credentials.createInsecure());
  const statuses: string[] = [];
  const call = client.watch({ service: METER_USAGE_SERVICE_NAME });
  call.on('data', (message: HealthCheckResponse) => statuses.push(ServingStatus[message.status] ?? 'UNKNOWN'));
  const ended = new Promise<string>((resolve) => {
    call.on('error', (error: ServiceError) => resolve(status[error.code]));
    call.on('end', () => resolve('OK'));
  });
  return {
    statuses,
    ended,
    close() {
      call.cancel();
      client.close();
    },
  };
}

/** An ExportReadings call of the synthetic export meter, read once and then paused: grpc-server holds its cursor. */
async function pausedExport(client: MeterUsageServiceClient) {
  let rows = 0;
  const call = client.exportReadings({ meterId: 'syn-export', format: ExportFormat.EXPORT_FORMAT_UNSPECIFIED }, new Metadata(), {
    deadline: Date.now() + 120_000,
  });
  const outcome = new Promise<string>((resolve) => {
    call.on('error', (error: ServiceError) => resolve(status[error.code]));
    call.on('end', () => resolve('OK'));
  });
  await new Promise<void>((resolve) =>
    call.once('data', (message: ExportReadingsResponse) => {
      rows += message.readings.length;
      call.pause();
      resolve();
    }),
  );
  return {
    outcome,
    rows: () => rows,
    /** Reads on to the end (or the error). */
    resume() {
      call.on('data', (message: ExportReadingsResponse) => (rows += message.readings.length));
      call.resume();
    },
    cancel: () => call.cancel(),
  };
}

/** An IngestReadings call that has sent its options and the first half of the file's chunks. */
function halfSentUpload(client: MeterUsageServiceClient, meterId: string, rows: number, startIso: string) {
  const bytes = Buffer.from(syntheticCsv(rows, startIso));
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += CHUNK_BYTES) chunks.push(bytes.subarray(at, at + CHUNK_BYTES));
  const half = Math.ceil(chunks.length / 2);
  let call!: ClientWritableStream<IngestReadingsRequest>;
  const outcome = new Promise<IngestReadingsResponse | string>((resolve) => {
    call = client.ingestReadings({ deadline: Date.now() + 120_000 }, (error, response) => resolve(error ? status[error.code] : response));
  });
  call.write({ payload: { $case: 'options', value: IngestOptions.fromPartial({ meterId }) } });
  for (const chunk of chunks.slice(0, half)) call.write({ payload: { $case: 'chunk', value: chunk } });
  return {
    outcome,
    /** Sends the second half and ends the call. */
    finish() {
      for (const chunk of chunks.slice(half)) call.write({ payload: { $case: 'chunk', value: chunk } });
      call.end();
    },
    cancel: () => call.cancel(),
  };
}

/** A unary call on a fresh channel: how grpc-server answers new work. */
function newCall(target: string): Promise<string> {
  const client = new MeterUsageServiceClient(target, credentials.createInsecure());
  return new Promise<string>((resolve) =>
    client.listMeters({}, new Metadata(), { deadline: Date.now() + 5_000 }, (error) => resolve(error ? status[error.code] : 'OK')),
  ).finally(() => client.close());
}

describe('faults: SIGTERM while an export and an upload are in flight (grpc-server as a real process)', () => {
  let database: TestDatabase | undefined;
  let grpcServer: (AppProcess & { port: number }) | undefined;
  let env: Record<string, string>;
  let target: string;
  const clients: MeterUsageServiceClient[] = [];
  const watches: { close(): void }[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('faults_sigterm');
    env = { DATABASE_URL: database.url, CSV_PATH: SAMPLE_CSV_PATH, METER_ID: 'meter-1', GRPC_PORT: String(await freePort()) };
    target = `127.0.0.1:${env.GRPC_PORT}`;
    grpcServer = await startGrpcServer({ ...env, SHUTDOWN_GRACE_MS: String(CARRY_ON_GRACE_MS) });
    await loadSyntheticReadings(database.url, { meters: 0, years: 1, exportReadings: EXPORT_ROWS, missingRate: 0 });
  }, 120_000);

  afterAll(async () => {
    for (const watch of watches) watch.close();
    for (const client of clients) client.close();
    await grpcServer?.stop('SIGKILL');
    await database?.drop();
  });

  function meterUsageClient(): MeterUsageServiceClient {
    const client = new MeterUsageServiceClient(target, credentials.createInsecure());
    clients.push(client);
    return client;
  }

  it('reports NOT_SERVING, refuses new calls, lets the export and the upload finish when their clients carry on, and exits 0', async () => {
    const server = grpcServer!;
    const client = meterUsageClient();
    const watch = watchHealth(target);
    watches.push(watch);
    await waitUntil('the Watch reports SERVING', () => watch.statuses.includes('SERVING'));
    const download = await pausedExport(client);
    const upload = halfSentUpload(client, 'sigterm-finished', UPLOAD_ROWS, '2030-01-01T00:15:00Z');
    await waitForCopy(database!.url);

    const signalAt = performance.now();
    server.child.kill('SIGTERM');
    const { elapsedMs: notServingMs } = await waitUntil('the Watch reports NOT_SERVING', () => watch.statuses.at(-1) === 'NOT_SERVING', { timeoutMs: 5_000 });
    expect(watch.statuses).toEqual(['SERVING', 'NOT_SERVING']);
    expect(await newCall(target)).toBe('UNAVAILABLE');

    download.resume();
    upload.finish();
    expect(await download.outcome).toBe('OK');
    const exportDoneMs = since(signalAt);
    expect(download.rows()).toBe(EXPORT_ROWS);
    const result = await upload.outcome;
    const uploadDoneMs = since(signalAt);
    expect(result).toMatchObject({ meterId: 'sigterm-finished', report: { committed: true, accepted: UPLOAD_ROWS, inserted: UPLOAD_ROWS, rejected: 0 } });

    expect(await server.exited).toBe(0);
    const exitMs = since(signalAt);
    // The Watch is ended (OK, after NOT_SERVING) rather than holding the shutdown until the grace period is over.
    expect(await watch.ended).toBe('OK');
    expect(exitMs).toBeLessThan(CARRY_ON_GRACE_MS);
    const messages = server.logs.map((line) => line.msg);
    expect(messages).not.toContain('grace period over; cancelling remaining calls');
    expect(messages.slice(messages.indexOf('shutting down')).at(-1)).toBe('stopped');
    expect(server.output.join('\n')).not.toMatch(/uncaught|unhandled|shutdown failed/i);
    expect(await countReadings(database!.url, 'sigterm-finished')).toBe(UPLOAD_ROWS);
    report('SIGTERM, clients carry on', {
      watchNotServing: notServingMs,
      exportComplete: exportDoneMs,
      uploadCommitted: uploadDoneMs,
      exit: exitMs,
    });
  }, 120_000);

  it('cancels a stalled upload (rolled back) and a paused export at the grace deadline, and exits 0', async () => {
    grpcServer = await startGrpcServer({ ...env, SHUTDOWN_GRACE_MS: String(STALL_GRACE_MS) });
    const server = grpcServer;
    const client = meterUsageClient();
    const watch = watchHealth(target);
    watches.push(watch);
    await waitUntil('the Watch reports SERVING', () => watch.statuses.includes('SERVING'));
    const download = await pausedExport(client);
    const upload = halfSentUpload(client, 'sigterm-stalled', UPLOAD_ROWS, '2031-01-01T00:15:00Z');
    await waitForCopy(database!.url);

    const signalAt = performance.now();
    server.child.kill('SIGTERM');
    await waitUntil('the Watch reports NOT_SERVING', () => watch.statuses.at(-1) === 'NOT_SERVING', { timeoutMs: 5_000 });
    // Neither client does anything more: the export is not read, the upload never ends.
    const [exportOutcome, uploadOutcome] = await Promise.all([download.outcome, upload.outcome]);
    const cancelledMs = since(signalAt);
    if (cancelledMs < STALL_GRACE_MS - 500) {
      // Ended before the deadline: something else ended them; show what grpc-server said.
      throw new Error(
        `calls ended ${cancelledMs} ms after SIGTERM (export ${exportOutcome}, upload ${JSON.stringify(uploadOutcome)}):\n${server.output.slice(-30).join('\n')}`,
      );
    }
    expect(exportOutcome).not.toBe('OK');
    // The upload is ended with a status saying why (the gateway answers 503 "server shutting down"), not cut as CANCELLED.
    expect(uploadOutcome).toBe('UNAVAILABLE');
    expect(download.rows()).toBeLessThan(EXPORT_ROWS);
    expect(watch.statuses).toEqual(['SERVING', 'NOT_SERVING']);

    expect(await server.exited).toBe(0);
    const exitMs = since(signalAt);
    const messages = server.logs.map((line) => line.msg);
    expect(messages).toContain('grace period over; cancelling remaining calls');
    // The cancelled upload's own log line may come after 'stopped' (its rollback released the last
    // connection the pool was waiting for); the order of those two lines is not the point.
    expect(messages.slice(messages.indexOf('shutting down'))).toContain('stopped');
    expect(server.output.join('\n')).not.toMatch(/uncaught|unhandled|shutdown failed/i);
    expect(await countReadings(database!.url, 'sigterm-stalled')).toBe(0);
    report('SIGTERM, clients stall', {
      callsCancelled: cancelledMs,
      exit: exitMs,
      export: exportOutcome,
      upload: typeof uploadOutcome === 'string' ? uploadOutcome : 'answered',
    });
  }, 120_000);

  it('restarted on the same database, holds exactly the rows committed before: nothing lost, nothing duplicated', async () => {
    grpcServer = await startGrpcServer(env);
    expect(grpcServer.logs.find((line) => line.msg === 'seed already loaded')).toMatchObject({ rows: SEED_ROWS, inserted: 0 });
    expect(await countReadings(database!.url, 'meter-1')).toBe(SEED_ROWS);
    expect(await countReadings(database!.url, 'syn-export')).toBe(EXPORT_ROWS);
    expect(await countReadings(database!.url, 'sigterm-finished')).toBe(UPLOAD_ROWS);
    expect(await countReadings(database!.url, 'sigterm-stalled')).toBe(0);
    expect(await countReadings(database!.url)).toBe(SEED_ROWS + EXPORT_ROWS + UPLOAD_ROWS);
    expect(await newCall(target)).toBe('OK');
    expect(await grpcServer.stop('SIGTERM')).toBe(0);
  }, 120_000);
});
