import { createTestDatabase, freePort, SAMPLE_CSV_PATH, startApp, startGrpcServer, type AppProcess, type TestDatabase } from '@meterusage/testing';

/** grpc-server and the gateway as processes with AUTH_MODE=keys, on a database of their own (meter-1 seeded from the sample). */
export interface KeyedStack {
  database: TestDatabase;
  grpcServer: AppProcess & { port: number };
  gateway: AppProcess;
  baseUrl: string;
  /** Stops what it started, in reverse order (also after a partial start). */
  close(): Promise<void>;
}

/** Starts a KeyedStack; grpcEnv adds grpc-server settings (e.g. AUTH_KEY_CACHE_MS). */
export async function startKeyedStack(label: string, grpcEnv: Record<string, string> = {}): Promise<KeyedStack> {
  const stack: Partial<KeyedStack> = {};
  const close = async () => {
    await stack.gateway?.stop();
    await stack.grpcServer?.stop();
    await stack.database?.drop();
  };
  try {
    stack.database = await createTestDatabase(label);
    stack.grpcServer = await startGrpcServer({
      DATABASE_URL: stack.database.url,
      METER_ID: 'meter-1',
      CSV_PATH: SAMPLE_CSV_PATH,
      AUTH_MODE: 'keys',
      ...grpcEnv,
    });
    const port = await freePort();
    stack.gateway = startApp('gateway', {
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(port),
      GRPC_TARGET: `127.0.0.1:${stack.grpcServer.port}`,
      AUTH_MODE: 'keys',
    });
    await stack.gateway.waitForLog((line) => String(line.msg).startsWith('dashboard at'));
    stack.baseUrl = `http://127.0.0.1:${port}`;
  } catch (error) {
    await close();
    throw error;
  }
  return { ...(stack as Omit<KeyedStack, 'close'>), close };
}
