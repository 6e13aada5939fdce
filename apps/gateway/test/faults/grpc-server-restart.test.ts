import type { FastifyInstance } from 'fastify';
import { Client } from 'pg';
import { createTestDatabase, freePort, SAMPLE_CSV_PATH, startGrpcServer, waitUntil, type AppProcess, type TestDatabase } from '@meterusage/testing';
import { countReadings, report, since, startGateway } from './support';

const UNAVAILABLE_BODY = { error: { code: 'UNAVAILABLE', message: 'the meter-usage service is unavailable; retry shortly' } };

describe('faults: grpc-server killed (SIGKILL) under a running gateway, then restarted on the same port', () => {
  let database: TestDatabase | undefined;
  let grpcServer: AppProcess | undefined;
  let gateway: { app: FastifyInstance; baseUrl: string } | undefined;
  let locker: Client | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase('faults_grpc_kill');
    env = { DATABASE_URL: database.url, CSV_PATH: SAMPLE_CSV_PATH, METER_ID: 'meter-1', GRPC_PORT: String(await freePort()) };
    grpcServer = await startGrpcServer(env);
    gateway = await startGateway({ grpcTarget: `127.0.0.1:${env.GRPC_PORT}`, grpcDeadlineMs: 10_000 });
  }, 60_000);

  afterAll(async () => {
    await locker?.end().catch(() => undefined);
    await gateway?.app.close();
    await grpcServer?.stop('SIGKILL');
    await database?.drop();
  });

  it('answers 503 JSON promptly (in-flight and new requests) and recovers without a gateway restart', async () => {
    const { app } = gateway!;
    expect((await app.inject({ method: 'GET', url: '/api/summary' })).statusCode).toBe(200);
    const rowsBefore = await countReadings(database!.url);

    // One request held in flight inside grpc-server (it waits for a lock the test holds) when it dies.
    locker = new Client({ connectionString: database!.url, application_name: 'fault-test-locker' });
    await locker.connect();
    await locker.query('begin');
    await locker.query('lock table meters in access exclusive mode');
    const inFlight = app.inject({ method: 'GET', url: '/api/summary' });
    await waitUntil('the request waits for the lock', async () => {
      await locker!.query('select pg_stat_clear_snapshot()');
      const { rows } = await locker!.query(`select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
      return rows.length > 0;
    });
    const killedAt = performance.now();
    expect(await grpcServer!.stop('SIGKILL')).toBeNull();
    const failed = await inFlight;
    const inFlightMs = since(killedAt);
    expect([failed.statusCode, failed.json()]).toEqual([503, UNAVAILABLE_BODY]);
    await locker.query('rollback');

    const downAt = performance.now();
    const down = await app.inject({ method: 'GET', url: '/api/summary' });
    const downMs = since(downAt);
    expect([down.statusCode, down.json()]).toEqual([503, UNAVAILABLE_BODY]);
    expect(downMs).toBeLessThan(8_000); // refused at once, not at the 10 s deadline
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect([ready.statusCode, ready.json()]).toEqual([503, { status: 'UNREACHABLE' }]);

    const restartAt = performance.now();
    grpcServer = await startGrpcServer(env);
    const serverUpMs = since(restartAt);
    const { elapsedMs: gatewayBackMs } = await waitUntil(
      'the gateway reaches the new grpc-server',
      async () => (await app.inject({ method: 'GET', url: '/api/summary' })).statusCode === 200,
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    expect(await countReadings(database!.url)).toBe(rowsBefore);
    report('grpc-server SIGKILL', { inFlight503: inFlightMs, new503: downMs, restartToServing: serverUpMs, gatewayRecoveredAfterServing: gatewayBackMs });
  }, 90_000);
});
