import pino from 'pino';
import { credentials, Metadata, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import {
  ExportFormat,
  IngestOptions,
  MeterUsageServiceClient,
  type ExportReadingsRequest,
  type ExportReadingsResponse,
  type IngestReadingsResponse,
} from '@meterusage/contracts';
import { bindServer, createMeterUsageServer, type MeterUsageServer, type ServerDeps } from '../../src/server';
import { silentLogger, type MigratedDatabase } from './database';

export interface TestGrpc {
  client: MeterUsageServiceClient;
  server: MeterUsageServer;
  /** Calls a unary method of the client and resolves with its response; fields left out take their proto defaults. */
  call<Request, Response>(method: UnaryMethod<Request, Response>, request: Partial<Request>): Promise<Response>;
  /** Collects every message of an ExportReadings stream. */
  exportAll(request: Partial<ExportReadingsRequest>): Promise<ExportReadingsResponse[]>;
  close(): Promise<void>;
}

type UnaryMethod<Request, Response> = ((
  request: Request,
  metadata: Metadata,
  options: { deadline: number },
  callback: (error: ServiceError | null, response: Response) => void,
) => unknown) & {
  /** grpc-js copies the method's definition onto the client's method: this decodes a request. */
  requestDeserialize?: (bytes: Buffer) => Request;
};

/** A real MeterUsageService on 127.0.0.1:<free port> over the given database, and a client of it. */
export async function startTestGrpc(
  handle: MigratedDatabase,
  defaultMeterId = 'meter-1',
  options: Pick<ServerDeps, 'streamLimits' | 'streamSlotWaitMs' | 'uploadIdleTimeoutMs' | 'telemetry' | 'maxNewMetersPerUpload' | 'access'> = {},
): Promise<TestGrpc> {
  const logger = process.env.DEBUG_GRPC ? pino({ level: 'debug' }) : silentLogger;
  const server = createMeterUsageServer({ database: handle.database, defaultMeterId, pageTokenSecret: 'test-secret', logger, ...options });
  const port = await bindServer(server.server, '127.0.0.1', 0);
  server.setServing(true);
  const client = new MeterUsageServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  return {
    client,
    server,
    call<Request, Response>(method: UnaryMethod<Request, Response>, request: Partial<Request>) {
      // The message's defaults (an empty message decoded) under the fields given: ts-proto's encoder
      // refuses a number or enum field left undefined, so a field added later must not break callers.
      const full = { ...method.requestDeserialize?.(Buffer.alloc(0)), ...request } as Request;
      return new Promise<Response>((resolve, reject) =>
        method.call(client, full, new Metadata(), { deadline: Date.now() + 20_000 }, (error, response) => (error ? reject(error) : resolve(response))),
      );
    },
    exportAll: (request) =>
      new Promise((resolve, reject) => {
        const messages: ExportReadingsResponse[] = [];
        const stream: ClientReadableStream<ExportReadingsResponse> = client.exportReadings({
          meterId: '',
          format: ExportFormat.EXPORT_FORMAT_UNSPECIFIED,
          ...request,
        });
        stream.on('data', (message: ExportReadingsResponse) => messages.push(message));
        stream.on('error', reject);
        stream.on('end', () => resolve(messages));
      }),
    async close() {
      client.close();
      await new Promise<void>((resolve) => server.server.tryShutdown(() => resolve()));
    },
  };
}

/** Uploads text (or bytes) through IngestReadings in chunks of chunkSize bytes. */
export function upload(
  client: MeterUsageServiceClient,
  content: string | Buffer,
  options: Partial<IngestOptions> = {},
  chunkSize = 64 * 1024,
): Promise<IngestReadingsResponse> {
  return new Promise((resolve, reject) => {
    const call = client.ingestReadings((error, response) => (error ? reject(error) : resolve(response)));
    call.write({ payload: { $case: 'options', value: { ...IngestOptions.fromPartial({}), ...options } } });
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    for (let at = 0; at < bytes.length; at += chunkSize) call.write({ payload: { $case: 'chunk', value: bytes.subarray(at, at + chunkSize) } });
    call.end();
  });
}
