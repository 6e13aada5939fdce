import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  HealthClient,
  METER_USAGE_SERVICE_NAME,
  MeterUsageServiceClient,
  ReadingQuality,
  ServingStatus,
  type GetMetricsResponse,
  type HealthCheckResponse,
} from '@meterusage/contracts';
import { readSampleCsv, SAMPLE_CSV_PATH } from '@meterusage/testing';
import fc from 'fast-check';
import { seedFromCsv } from '../src/ingest/seed';
import { bindServer, createMeterUsageServer, type MeterUsageServer } from '../src/server';
import { openMigratedDatabase, plainStorageDeps, silentLogger, type MigratedDatabase } from './support/database';

describe('GetMetrics over a real gRPC server and PostgreSQL', () => {
  let handle: MigratedDatabase;
  let grpcServer: MeterUsageServer;
  let client: MeterUsageServiceClient;
  let health: HealthClient;

  const getMetrics = (meterId: string) =>
    new Promise<GetMetricsResponse>((resolve, reject) =>
      client.getMetrics({ meterId }, new Metadata(), { deadline: Date.now() + 10_000 }, (error, response) => (error ? reject(error) : resolve(response))),
    );
  const checkHealth = () =>
    new Promise<HealthCheckResponse>((resolve, reject) =>
      health.check({ service: METER_USAGE_SERVICE_NAME }, (error, response) => (error ? reject(error) : resolve(response))),
    );

  beforeAll(async () => {
    handle = await openMigratedDatabase('get_metrics');
    await seedFromCsv(handle.database, { csvPath: SAMPLE_CSV_PATH, meterId: 'meter-1', timeZone: 'UTC' }, plainStorageDeps);
    grpcServer = createMeterUsageServer({ database: handle.database, defaultMeterId: 'meter-1', pageTokenSecret: 'test', logger: silentLogger });
    const port = await bindServer(grpcServer.server, '127.0.0.1', 0);
    client = new MeterUsageServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
    health = new HealthClient(`127.0.0.1:${port}`, credentials.createInsecure());
  }, 60_000);
  afterAll(async () => {
    client.close();
    health.close();
    await new Promise<void>((resolve) => grpcServer.server.tryShutdown(() => resolve()));
    await handle.close();
  });

  // First: until setServing(true) the server is starting, and calls are refused.
  it('reports NOT_SERVING and refuses calls as starting until told it is ready', async () => {
    expect((await checkHealth()).status).toBe(ServingStatus.NOT_SERVING);
    await expect(getMetrics('')).rejects.toMatchObject({
      code: status.UNAVAILABLE,
      details: 'starting: the database is being connected, migrated and seeded; retry shortly',
    });
    grpcServer.setServing(true);
    expect((await checkHealth()).status).toBe(ServingStatus.SERVING);
  });

  it('returns every reading of the default meter with the exact CSV values and the missing one absent', async () => {
    const response = await getMetrics('');
    expect(response.meterId).toBe('meter-1');
    expect(response.unit).toBe('kWh');
    const asCsv = response.readings.map((reading) => ({
      time: reading.time!.toISOString().replace('.000Z', 'Z'),
      meterusage: reading.usage ?? null,
    }));
    expect(asCsv).toEqual(readSampleCsv());
    const missing = response.readings.filter((reading) => reading.usage === undefined);
    expect(missing).toEqual([
      {
        time: new Date('2019-01-17T02:45:00Z'),
        start: new Date('2019-01-17T02:30:00Z'),
        end: new Date('2019-01-17T02:45:00Z'),
        usage: undefined,
        missing: true,
        quality: ReadingQuality.READING_QUALITY_MISSING_IN_SOURCE,
        // The seed's upload wrote it.
        uploadId: expect.stringMatching(/^[1-9][0-9]*$/),
      },
    ]);
  });

  // GetMetrics reads a meter's readings through a cursor, 4,096 rows at a time, each batch encoded as it comes.
  it('returns every reading of a meter whatever its count, across the batches it is read in', async () => {
    let meters = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constantFrom(0, 1, 4095, 4096, 4097, 8192, 12_289), fc.integer({ min: 0, max: 13_000 })), async (count) => {
        const meterId = `batched-${(meters += 1)}`;
        await handle.database.pool.query(`insert into meters (meter_id, unit, interval_seconds) values ($1, 'kWh', 900)`, [meterId]);
        // Every seventh slot left out, every eleventh value NULL: holes and missing values in every batch.
        await handle.database.pool.query(
          `insert into readings (meter_id, interval_start, usage)
           select $1, timestamptz '2019-01-01T00:00:00Z' + make_interval(secs => 900 * n), case when n % 11 = 0 then null else (n * 0.37)::numeric(20,6) end
           from generate_series(0, $2::int * 7 / 6 + 7) as n where n % 7 <> 3 limit $2`,
          [meterId, count],
        );
        const { rows } = await handle.database.pool.query<{ start_ms: number; usage: number | null }>(
          `select (extract(epoch from interval_start) * 1000)::float8 as start_ms, usage::float8 as usage from readings where meter_id = $1 order by interval_start`,
          [meterId],
        );
        const response = await getMetrics(meterId);
        expect(response.readings.map((reading) => ({ start_ms: reading.start!.getTime(), usage: reading.usage ?? null }))).toEqual(rows);
        expect(response.readings).toHaveLength(count);
      }),
      { numRuns: 12 },
    );
  });

  it('answers NOT_FOUND for an unknown meter and INVALID_ARGUMENT for a malformed id', async () => {
    await expect(getMetrics('no-such-meter')).rejects.toMatchObject({ code: status.NOT_FOUND, details: 'meter "no-such-meter" not found' });
    const error = (await getMetrics('bad id!').catch((caught: ServiceError) => caught)) as ServiceError;
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toMatch(/^meter_id: /);
  });
});
