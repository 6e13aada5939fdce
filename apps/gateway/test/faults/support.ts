import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { HealthClient, METER_USAGE_SERVICE_NAME, ServingStatus } from '@meterusage/contracts';
import { createScratchCluster, SAMPLE_CSV_PATH, startGrpcServer, waitUntil, type AppProcess, type ScratchCluster } from '@meterusage/testing';
import { buildApp, type AppConfig } from '../../src/app';

/** grpc-server's own answer to grpc.health.v1 Check for the meter service, or UNREACHABLE. */
export async function grpcHealth(target: string, deadlineMs = 2_000): Promise<string> {
  const client = new HealthClient(target, credentials.createInsecure());
  try {
    return await new Promise<string>((resolve) =>
      client.check({ service: METER_USAGE_SERVICE_NAME }, new Metadata(), { deadline: Date.now() + deadlineMs }, (error: ServiceError | null, response) =>
        resolve(error ? 'UNREACHABLE' : (ServingStatus[response.status] ?? 'UNKNOWN')),
      ),
    );
  } finally {
    client.close();
  }
}

/** A gateway listening on 127.0.0.1:<free port>, for real HTTP (streamed bodies); inject works too. */
export async function startGateway(config: AppConfig): Promise<{ app: FastifyInstance; baseUrl: string }> {
  const app = await buildApp(config);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { app, baseUrl: `http://127.0.0.1:${port}` };
}

/** What a fault test stops and starts: a private cluster, grpc-server on it (sample seed) and a gateway in front. */
export interface ScratchStack {
  cluster: ScratchCluster;
  grpcServer: AppProcess & { port: number };
  gateway: { app: FastifyInstance; baseUrl: string };
}

/** Starts a ScratchStack (env: grpc-server's, gatewayConfig: the gateway's); what did start is taken down again when a later step fails. */
export async function startScratchStack(name: string, env: Record<string, string> = {}, gatewayConfig: Partial<AppConfig> = {}): Promise<ScratchStack> {
  const parts: Partial<ScratchStack> = {};
  try {
    parts.cluster = await createScratchCluster(name);
    await parts.cluster.start();
    // A short connect timeout: requests during an outage fail fast instead of waiting 5 s for a connection.
    const grpcEnv = { DATABASE_URL: parts.cluster.url(), CSV_PATH: SAMPLE_CSV_PATH, METER_ID: 'meter-1', DB_CONNECT_TIMEOUT_MS: '2000', ...env };
    parts.grpcServer = await startGrpcServer(grpcEnv);
    parts.gateway = await startGateway({ grpcTarget: `127.0.0.1:${parts.grpcServer.port}`, grpcDeadlineMs: 10_000, ...gatewayConfig });
    return parts as ScratchStack;
  } catch (error) {
    await stopScratchStack(parts);
    throw error;
  }
}

/** Takes down whatever parts of a ScratchStack are there, gateway first, cluster last. */
export async function stopScratchStack(stack: Partial<ScratchStack>): Promise<void> {
  await stack.gateway?.app.close();
  await stack.grpcServer?.stop('SIGKILL');
  await stack.cluster?.destroy();
}

/** Readings stored, in total or for one meter, read straight from the database. */
export async function countReadings(databaseUrl: string, meterId?: string): Promise<number> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ count: string }>(
      meterId === undefined ? 'select count(*) from readings' : 'select count(*) from readings where meter_id = $1',
      meterId === undefined ? [] : [meterId],
    );
    return Number(rows[0]!.count);
  } finally {
    await client.end();
  }
}

/**
 * Resolves once grpc-server is COPYing an upload (it has received part of the file): into its
 * staging table, or straight into readings (the direct path of a one-meter file that extends the
 * meter's data).
 */
export async function waitForCopy(databaseUrl: string): Promise<void> {
  const observer = new Client({ connectionString: databaseUrl, application_name: 'fault-test-observer' });
  await observer.connect();
  try {
    await waitUntil(
      'an upload is being copied',
      async () => {
        const { rows } = await observer.query(
          `select 1 from pg_stat_activity where datname = current_database() and (query ilike 'copy readings_staging%' or query ilike 'copy readings (%')`,
        );
        return rows.length > 0;
      },
      { timeoutMs: 60_000 },
    );
  } finally {
    await observer.end();
  }
}

/** A CSV of `rows` consecutive quarter-hours from startIso (interval ends, the default label), values 0.001 apart. */
export function syntheticCsv(rows: number, startIso = '2030-01-01T00:15:00Z'): string {
  const startMs = Date.parse(startIso);
  let text = 'time,meterusage\n';
  for (let index = 0; index < rows; index++) text += `${new Date(startMs + index * 900_000).toISOString()},${(index % 1000) / 1000}\n`;
  return text;
}

/** Milliseconds since startedAt, rounded, for the printed recovery times. */
export const since = (startedAt: number) => Math.round(performance.now() - startedAt);

/** Prints one measured time so the test log shows it (tests bound timings only generously). */
export function report(scenario: string, measurements: Record<string, number | string>): void {
  const text = Object.entries(measurements)
    .map(([name, value]) => `${name}=${typeof value === 'number' ? `${value} ms` : value}`)
    .join(', ');
  process.stdout.write(`[faults] ${scenario}: ${text}\n`);
}
