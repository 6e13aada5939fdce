import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import type { FastifyInstance } from 'fastify';
import { Client } from 'pg';
import { ExportFormat, MeterUsageServiceClient, type IngestReadingsResponse } from '@meterusage/contracts';
import { createTestDatabase, SAMPLE_CSV_PATH, startApp, type AppProcess, type TestDatabase } from '@meterusage/testing';
import { grpcHealth, startGateway } from './support';

// Kysely's migrator takes this advisory lock (kysely/dist/.../postgres-adapter LOCK_ID) before it
// migrates: holding it keeps a new grpc-server in start-up, listening but not migrated, for as
// long as the test wants.
const KYSELY_MIGRATION_LOCK_ID = '3853314791062309107';
const STARTING = 'starting: the database is being connected, migrated and seeded; retry shortly';

describe('faults: calls before SERVING are answered UNAVAILABLE "starting", never run', () => {
  let database: TestDatabase | undefined;
  let locker: Client | undefined;
  let grpcServer: AppProcess | undefined;
  let gateway: { app: FastifyInstance; baseUrl: string } | undefined;
  let client: MeterUsageServiceClient | undefined;
  let target = '';

  beforeAll(async () => {
    database = await createTestDatabase('before_serving');
    locker = new Client({ connectionString: database.url, application_name: 'fault-test-migration-lock' });
    await locker.connect();
    await locker.query(`select pg_advisory_lock(${KYSELY_MIGRATION_LOCK_ID})`);
    grpcServer = startApp('grpc-server', {
      GRPC_PORT: '0',
      GRPC_HOST: '127.0.0.1',
      METRICS_PORT: '0',
      DATABASE_URL: database.url,
      CSV_PATH: SAMPLE_CSV_PATH,
      METER_ID: 'meter-1',
    });
    const listening = await grpcServer.waitForLog((line) => typeof line.port === 'number' && String(line.msg).startsWith('gRPC listening'), 60_000);
    target = `127.0.0.1:${listening.port as number}`;
    client = new MeterUsageServiceClient(target, credentials.createInsecure());
    gateway = await startGateway({ grpcTarget: target, grpcDeadlineMs: 10_000 });
  }, 120_000);

  afterAll(async () => {
    client?.close();
    await gateway?.app.close();
    await grpcServer?.stop('SIGKILL');
    await locker?.end();
    await database?.drop();
  }, 60_000);

  const unaryFailure = (method: 'getMetrics' | 'listMeters') =>
    new Promise<ServiceError | undefined>((resolve) =>
      (client![method] as (request: object, metadata: Metadata, options: object, callback: (error: ServiceError | null) => void) => void).call(
        client,
        method === 'getMetrics' ? { meterId: '' } : {},
        new Metadata(),
        { deadline: Date.now() + 10_000 },
        (error) => resolve(error ?? undefined),
      ),
    );

  it('refuses unary, server-stream and client-stream calls with UNAVAILABLE "starting" while migrations wait; health answers', async () => {
    // The migrations are waiting for the lock: nothing has been created yet.
    const tables = await locker!.query<{ count: string }>(`select count(*) from information_schema.tables where table_name in ('meters', 'readings')`);
    expect(tables.rows[0]!.count).toBe('0');
    expect(await grpcHealth(target)).toBe('NOT_SERVING');

    for (const method of ['getMetrics', 'listMeters'] as const) {
      expect(await unaryFailure(method)).toMatchObject({ code: status.UNAVAILABLE, details: STARTING });
    }
    const exportError = await new Promise<ServiceError>((resolve) => {
      const stream = client!.exportReadings({ meterId: 'meter-1', format: ExportFormat.EXPORT_FORMAT_UNSPECIFIED }, { deadline: Date.now() + 10_000 });
      stream.on('data', () => undefined);
      stream.on('error', resolve);
    });
    expect(exportError).toMatchObject({ code: status.UNAVAILABLE, details: STARTING });
    const uploadError = await new Promise<ServiceError | IngestReadingsResponse>((resolve) => {
      const stream = client!.ingestReadings({ deadline: Date.now() + 10_000 }, (error, response) => resolve(error ?? response));
      stream.end();
    });
    expect(uploadError).toMatchObject({ code: status.UNAVAILABLE, details: STARTING });

    // Through the gateway: 503 (never 500), with grpc-server's words.
    for (const url of ['/api/readings', '/api/meters', '/api/summary']) {
      const response = await fetch(`${gateway!.baseUrl}${url}`);
      expect(response.status).toBe(503);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('UNAVAILABLE');
      expect(body.error.message).not.toMatch(/relation|does not exist|internal/);
    }
    expect(grpcServer!.logs.filter((line) => /relation .* does not exist/.test(JSON.stringify(line)))).toEqual([]);
  }, 120_000);

  it('runs calls once the migrations and the seed are done', async () => {
    await locker!.query(`select pg_advisory_unlock(${KYSELY_MIGRATION_LOCK_ID})`);
    await grpcServer!.waitForLog((line) => line.msg === 'SERVING', 60_000);
    expect(await grpcHealth(target)).toBe('SERVING');
    expect(await unaryFailure('getMetrics')).toBeUndefined();
    const response = await fetch(`${gateway!.baseUrl}/api/meters`);
    expect(response.status).toBe(200);
  }, 120_000);
});
