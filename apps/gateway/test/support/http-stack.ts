import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { createTestDatabase, freePort, SAMPLE_CSV_PATH, startApp, startGrpcServer, type AppProcess, type TestDatabase } from '@meterusage/testing';

/** One HTTP answer: status, headers and the body as text. */
export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** What the raw-HTTP tests run against: a database of their own, grpc-server and the gateway as real processes. */
export interface HttpStack {
  baseUrl: URL;
  database: TestDatabase;
  grpcServer: AppProcess & { port: number };
  gateway: AppProcess;
  /** One request: the path goes on the request line exactly as given; a body gets its Content-Length. */
  send(method: string, path: string, options?: { headers?: Record<string, string>; body?: Buffer }): Promise<HttpAnswer>;
  /** Readings stored for a meter, counted through GET /api/export (0 for a meter that does not exist). */
  storedRows(meterId: string): Promise<number>;
  /** Stops everything it started, in reverse order (also after a partial start). */
  close(): Promise<void>;
}

/**
 * Starts an HttpStack: grpc-server seeds meter-1 with the sample; grpcEnv and gatewayEnv add
 * settings (e.g. UPLOAD_IDLE_TIMEOUT_MS, INGEST_BODY_LIMIT_BYTES).
 */
export async function startHttpStack(
  label: string,
  options: { grpcEnv?: Record<string, string>; gatewayEnv?: Record<string, string> } = {},
): Promise<HttpStack> {
  const parts: Partial<Pick<HttpStack, 'database' | 'grpcServer' | 'gateway'>> = {};
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const close = async () => {
    agent.destroy();
    await parts.gateway?.stop();
    await parts.grpcServer?.stop();
    await parts.database?.drop();
  };
  try {
    parts.database = await createTestDatabase(label);
    parts.grpcServer = await startGrpcServer({ DATABASE_URL: parts.database.url, CSV_PATH: SAMPLE_CSV_PATH, METER_ID: 'meter-1', ...options.grpcEnv });
    const httpPort = await freePort();
    parts.gateway = startApp('gateway', {
      HTTP_PORT: String(httpPort),
      HTTP_HOST: '127.0.0.1',
      GRPC_TARGET: `127.0.0.1:${parts.grpcServer.port}`,
      ...options.gatewayEnv,
    });
    await parts.gateway.waitForLog((line) => String(line.msg).startsWith('dashboard at'));
    const baseUrl = new URL(`http://127.0.0.1:${httpPort}`);
    const send: HttpStack['send'] = (method, path, { headers = {}, body } = {}) =>
      new Promise((resolve, reject) => {
        const allHeaders = body === undefined ? headers : { ...headers, 'content-length': String(body.length) };
        const request = httpRequest({ host: baseUrl.hostname, port: baseUrl.port, method, path, headers: allHeaders, agent, timeout: 30_000 }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }));
          response.on('error', reject);
        });
        request.on('timeout', () => request.destroy(new Error(`${method} ${path}: no answer in 30 s`)));
        // The gateway may answer and close before it has read a body it refuses: the answer counts, not the write.
        request.on('error', reject);
        request.end(body);
      });
    const storedRows = async (meterId: string) => {
      const answer = await send('GET', `/api/export?meter=${encodeURIComponent(meterId)}&format=ndjson`);
      if (answer.status === 404) return 0;
      if (answer.status !== 200) throw new Error(`counting the rows of ${meterId}: ${answer.status} ${answer.text.slice(0, 200)}`);
      return answer.text.split('\n').filter((line) => line !== '').length;
    };
    return { ...(parts as Pick<HttpStack, 'database' | 'grpcServer' | 'gateway'>), baseUrl, send, storedRows, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Writes bytes to a new connection and returns everything the server sends until it closes (or 5 s pass). */
export function sendRaw(baseUrl: URL, bytes: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(baseUrl.port), baseUrl.hostname, () => socket.write(bytes));
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), 5_000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
  });
}

/** The JSON body of a raw HTTP/1.1 answer (Content-Length framed, as the gateway's error answers are). */
export function rawJsonBody(answer: string): unknown {
  return JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
}
