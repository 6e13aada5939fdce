import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { Client } from 'pg';
import { createTestDatabase, SAMPLE_CSV_PATH, startGrpcServer, type AppProcess, type TestDatabase } from '@meterusage/testing';
import { buildApp } from '../../src/app';

/** What the in-process gateway tests run against: a database of their own, grpc-server on it (a process), the gateway in process (inject), and a pg client to look at the rows. */
export interface AppStack {
  database: TestDatabase;
  grpcServer: AppProcess & { port: number };
  app: FastifyInstance;
  client: Client;
  /** POST /api/readings?query with a text/csv body. */
  post(query: string, payload: string): Promise<LightMyRequestResponse>;
  /** Closes everything it opened, in reverse order (also after a partial start). */
  close(): Promise<void>;
}

/** Starts an AppStack whose grpc-server has seeded meter-1 with the sample; env adds grpc-server settings. */
export async function startAppStack(label: string, options: { env?: Record<string, string>; ingestBodyLimitBytes?: number } = {}): Promise<AppStack> {
  const stack: Partial<AppStack> = {};
  const close = async () => {
    await stack.client?.end();
    await stack.app?.close();
    await stack.grpcServer?.stop();
    await stack.database?.drop();
  };
  try {
    stack.database = await createTestDatabase(label);
    stack.grpcServer = await startGrpcServer({ DATABASE_URL: stack.database.url, CSV_PATH: SAMPLE_CSV_PATH, METER_ID: 'meter-1', ...options.env });
    stack.app = await buildApp({
      grpcTarget: `127.0.0.1:${stack.grpcServer.port}`,
      grpcDeadlineMs: 20_000,
      ingestBodyLimitBytes: options.ingestBodyLimitBytes ?? 1024 * 1024,
    });
    stack.client = new Client({ connectionString: stack.database.url });
    await stack.client.connect();
  } catch (error) {
    await close();
    throw error;
  }
  const app = stack.app;
  return {
    ...(stack as Omit<AppStack, 'post' | 'close'>),
    post: (query, payload) => app.inject({ method: 'POST', url: `/api/readings?${query}`, payload, headers: { 'content-type': 'text/csv' } }),
    close,
  };
}
