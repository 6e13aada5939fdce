import { Metadata, Server, ServerCredentials, status } from '@grpc/grpc-js';
import type { FastifyInstance } from 'fastify';
import {
  encodeBadRequestStatus,
  MeterUsageServiceService,
  STATUS_DETAILS_TRAILER,
  STATUS_ORIGIN_TRAILER,
  type FieldViolation,
  type MeterUsageServiceServer,
} from '@meterusage/contracts';
import { freePort } from '@meterusage/testing';
import { buildApp } from '../src/app';

/**
 * A real gRPC server whose GetMetrics behaves as the test says: fail with a status (with the trailer
 * grpc-server puts on the statuses it words itself, and field violations as BadRequest details,
 * when asked), or never answer.
 */
async function startBackend(
  behaviour: { code: status; details: string; fromGrpcServer?: boolean; violations?: FieldViolation[] } | 'hang' | 'answer',
): Promise<{ target: string; stop(): void }> {
  const server = new Server();
  // Only GetMetrics: grpc-js answers UNIMPLEMENTED for the rest (GetDataVersion included, as a
  // grpc-server from before it would).
  const handlers: Partial<MeterUsageServiceServer> = {
    getMetrics: (_call, callback) => {
      if (behaviour === 'hang') return;
      if (behaviour === 'answer') return callback(null, { meterId: 'meter-1', unit: 'kWh', readings: [], dataVersion: 0 });
      const metadata = new Metadata();
      if (behaviour.fromGrpcServer === true) metadata.set(STATUS_ORIGIN_TRAILER, 'grpc-server');
      if (behaviour.violations !== undefined)
        metadata.set(STATUS_DETAILS_TRAILER, encodeBadRequestStatus(behaviour.code, behaviour.details, behaviour.violations));
      callback({ code: behaviour.code, details: behaviour.details, metadata }, null);
    },
  };
  server.addService(MeterUsageServiceService, handlers as MeterUsageServiceServer);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return { target: `127.0.0.1:${port}`, stop: () => server.forceShutdown() };
}

describe('gateway when grpc-server fails', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('answers 503 with a JSON error, not a hang, when nothing listens at GRPC_TARGET', async () => {
    app = await buildApp({ grpcTarget: `127.0.0.1:${await freePort()}`, grpcDeadlineMs: 3_000 });
    const metrics = await app.inject({ method: 'GET', url: '/api/metrics' });
    expect([metrics.statusCode, metrics.json()]).toEqual([
      503,
      { error: { code: 'UNAVAILABLE', message: 'the meter-usage service is unavailable; retry shortly' } },
    ]);
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect([ready.statusCode, ready.json()]).toEqual([503, { status: 'UNREACHABLE' }]);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('answers as without the answer cache (no ETag) when grpc-server has no GetDataVersion', async () => {
    const backend = await startBackend('answer');
    try {
      app = await buildApp({ grpcTarget: backend.target, grpcDeadlineMs: 2000 });
      for (let request = 0; request < 2; request++) {
        const response = await app.inject({ method: 'GET', url: '/api/metrics', headers: { 'if-none-match': '*' } });
        expect([response.statusCode, response.json(), response.headers.etag]).toEqual([200, [], undefined]);
      }
      const metrics = await app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.body).toContain('gateway_answers_total{outcome="unversioned"} 2');
    } finally {
      backend.stop();
    }
  });

  it('answers 504 once the deadline passes when grpc-server does not answer', async () => {
    const backend = await startBackend('hang');
    try {
      app = await buildApp({ grpcTarget: backend.target, grpcDeadlineMs: 300 });
      const response = await app.inject({ method: 'GET', url: '/api/metrics' });
      expect([response.statusCode, response.json()]).toEqual([
        504,
        { error: { code: 'DEADLINE_EXCEEDED', message: 'the meter-usage service did not answer within 300 ms' } },
      ]);
    } finally {
      backend.stop();
    }
  });

  it.each([
    [status.INVALID_ARGUMENT, 'meter_id: must not be blank', 400, 'meter: must not be blank'],
    [status.NOT_FOUND, 'meter "x" not found', 404, 'meter "x" not found'],
    [status.UNAVAILABLE, 'the database is unavailable; retry shortly', 503, 'the meter-usage service is unavailable; retry shortly'],
    [status.INTERNAL, 'relation "readings" does not exist', 500, 'internal error'],
  ])('maps gRPC status %s from the backend to HTTP', async (code, details, httpStatus, message) => {
    // An INVALID_ARGUMENT names its field in the status details, as grpc-server sends it.
    const violations = code === status.INVALID_ARGUMENT ? [{ field: 'meter_id', description: 'must not be blank' }] : undefined;
    const backend = await startBackend({ code, details, ...(violations ? { violations } : {}) });
    try {
      app = await buildApp({ grpcTarget: backend.target, grpcDeadlineMs: 3_000 });
      const response = await app.inject({ method: 'GET', url: '/api/metrics' });
      expect(response.statusCode).toBe(httpStatus);
      expect(response.json().error).toMatchObject({ code: status[code], message });
    } finally {
      backend.stop();
    }
  });

  it.each([
    [status.UNAVAILABLE, 'server shutting down; nothing written, send the upload again', 503, 'server shutting down; nothing written, send the upload again'],
    [status.DEADLINE_EXCEEDED, 'no data for 60 s; nothing written, send the upload again', 504, 'no data for 60 s; nothing written, send the upload again'],
    [status.INTERNAL, 'relation "readings" does not exist', 500, 'internal error'],
  ])('shows the message of status %s when grpc-server worded it (origin trailer), never an internal one', async (code, details, httpStatus, message) => {
    const backend = await startBackend({ code, details, fromGrpcServer: true });
    try {
      app = await buildApp({ grpcTarget: backend.target, grpcDeadlineMs: 3_000 });
      const response = await app.inject({ method: 'GET', url: '/api/metrics' });
      expect([response.statusCode, response.json()]).toEqual([httpStatus, { error: { code: status[code], message } }]);
    } finally {
      backend.stop();
    }
  });
});
