import type { FastifyInstance } from 'fastify';
import { createTestDatabase, SAMPLE_CSV_PATH, startGrpcServer, terminateConnections, type AppProcess, type TestDatabase } from '@meterusage/testing';
import { credentials } from '@grpc/grpc-js';
import { IngestOptions, MeterUsageServiceClient, type IngestReadingsResponse } from '@meterusage/contracts';
import { countReadings, report as printReport, since, startGateway, syntheticCsv, waitForCopy } from './support';

/** The same upload through grpc-server's IngestReadings directly (what the CLI does), in 64 KiB chunks. */
function uploadOverGrpc(target: string, csv: string): Promise<IngestReadingsResponse> {
  const client = new MeterUsageServiceClient(target, credentials.createInsecure());
  return new Promise<IngestReadingsResponse>((resolve, reject) => {
    const call = client.ingestReadings({ deadline: Date.now() + 60_000 }, (error, response) => (error ? reject(error) : resolve(response)));
    call.write({ payload: { $case: 'options', value: IngestOptions.fromPartial({ meterId: METER }) } });
    const bytes = Buffer.from(csv);
    for (let at = 0; at < bytes.length; at += 64 * 1024) call.write({ payload: { $case: 'chunk', value: bytes.subarray(at, at + 64 * 1024) } });
    call.end();
  }).finally(() => client.close());
}

const ROWS = 100_000;
const METER = 'fault-upload';

describe('faults: the database connections die in the middle of an upload (POST /api/readings, streamed)', () => {
  let database: TestDatabase | undefined;
  let grpcServer: (AppProcess & { port: number }) | undefined;
  let gateway: { app: FastifyInstance; baseUrl: string } | undefined;

  beforeAll(async () => {
    database = await createTestDatabase('faults_ingest');
    grpcServer = await startGrpcServer({ DATABASE_URL: database.url, CSV_PATH: SAMPLE_CSV_PATH, METER_ID: 'meter-1' });
    gateway = await startGateway({ grpcTarget: `127.0.0.1:${grpcServer.port}`, grpcDeadlineMs: 10_000 });
  }, 60_000);

  afterAll(async () => {
    gateway?.app.server.closeAllConnections();
    await gateway?.app.close();
    await grpcServer?.stop('SIGKILL');
    await database?.drop();
  });

  /** Streams the CSV in 64 KiB chunks; after the first half it waits for `halfway` to settle. */
  function post(csv: string, halfway?: Promise<void>, abort?: AbortController) {
    const bytes = Buffer.from(csv);
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        for (let at = 0; at < bytes.length; at += 64 * 1024) {
          if (halfway && at >= bytes.length / 2 && at - 64 * 1024 < bytes.length / 2) await halfway;
          try {
            controller.enqueue(bytes.subarray(at, at + 64 * 1024));
          } catch {
            return; // the request is gone: the gateway answered early
          }
        }
        controller.close();
      },
    });
    return fetch(`${gateway!.baseUrl}/api/readings?meter=${METER}`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body,
      duplex: 'half',
      signal: abort ? AbortSignal.any([abort.signal, AbortSignal.timeout(60_000)]) : AbortSignal.timeout(60_000),
    });
  }

  it('fails the upload with 503, writes none of its rows, and the same upload succeeds afterwards', async () => {
    const csv = syntheticCsv(ROWS);
    const rowsBefore = await countReadings(database!.url);
    let resume!: () => void;
    const halfway = new Promise<void>((resolve) => (resume = resolve));
    // The gateway answers before it has read the whole body; like any client, this one then stops sending.
    const sender = new AbortController();
    const upload = post(csv, halfway, sender);

    // Wait until grpc-server is COPYing this upload into its staging table, then cut its connections.
    await waitForCopy(database!.url);
    const faultAt = performance.now();
    const terminated = await terminateConnections(database!.url, { applicationName: 'meterusage-grpc-server' });
    resume();
    const response = await upload;
    const failedMs = since(faultAt);
    const body = await response.text();
    sender.abort();
    // grpc-server's own message (its status carries the origin trailer), passed through by the gateway.
    expect([response.status, JSON.parse(body)]).toEqual([503, { error: { code: 'UNAVAILABLE', message: 'the database is unavailable; retry shortly' } }]);
    expect(body).not.toMatch(/copy|staging|57P01|stack/i);
    expect(await countReadings(database!.url, METER)).toBe(0);
    expect(await countReadings(database!.url)).toBe(rowsBefore);
    expect(grpcServer!.child.exitCode).toBeNull();

    const retryAt = performance.now();
    // Sent again through the same gateway (its connection to the client was closed after the early
    // answer, so nothing of the first body is in the way), the upload loads whole.
    const retried = await post(csv);
    const retryMs = since(retryAt);
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ meterId: METER, committed: true, accepted: ROWS, inserted: ROWS, updated: 0, rejected: 0 });
    expect(await countReadings(database!.url, METER)).toBe(ROWS);
    expect(await countReadings(database!.url)).toBe(rowsBefore + ROWS);

    // Sent a third time, straight to grpc-server as the CLI does, nothing changes: no duplicates.
    const again = await uploadOverGrpc(`127.0.0.1:${grpcServer!.port}`, csv);
    expect(again.report).toMatchObject({ committed: true, inserted: 0, unchanged: ROWS });
    expect(await countReadings(database!.url)).toBe(rowsBefore + ROWS);
    printReport('ingest interrupted', { terminated: String(terminated), uploadFailedAfterFault: failedMs, retryUpload: retryMs });
  }, 90_000);
});
