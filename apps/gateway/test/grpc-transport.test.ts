import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import {
  createTestCertificates,
  createTestDatabase,
  SAMPLE_CSV_PATH,
  scratchDirectory,
  startGrpcServer,
  WORKSPACE_ROOT,
  type AppProcess,
  type TestCertificates,
  type TestDatabase,
} from '@meterusage/testing';
import { buildApp, type AppConfig } from '../src/app';
import type { GrpcClientTls } from '../src/config';

const run = promisify(execFile);
const BUF = path.join(WORKSPACE_ROOT, 'libs/contracts/node_modules/.bin/buf');
const UNAVAILABLE = { error: { code: 'UNAVAILABLE', message: 'the meter-usage service is unavailable; retry shortly' } };

describe('gateway ↔ grpc-server over TLS and mutual TLS, and the concurrency limit as HTTP 429', () => {
  let certificates: TestCertificates;
  let database: TestDatabase | undefined;
  let tlsServer: (AppProcess & { port: number }) | undefined;
  let mutualTlsServer: (AppProcess & { port: number }) | undefined;
  const apps: FastifyInstance[] = [];

  const tlsOf = (files: { ca?: string; cert?: string; key?: string }): GrpcClientTls => ({
    ca: files.ca ? readFileSync(files.ca) : undefined,
    certificateChain: files.cert ? readFileSync(files.cert) : undefined,
    privateKey: files.key ? readFileSync(files.key) : undefined,
    serverName: undefined,
  });
  async function gatewayTo(port: number, grpcTls: GrpcClientTls | undefined, extra: Partial<AppConfig> = {}): Promise<FastifyInstance> {
    const app = await buildApp({ grpcTarget: `localhost:${port}`, grpcDeadlineMs: 5_000, grpcTls, ...extra });
    apps.push(app);
    return app;
  }
  const getJson = async (app: FastifyInstance, url: string) => {
    const response = await app.inject({ method: 'GET', url });
    return [response.statusCode, response.json()] as const;
  };

  beforeAll(async () => {
    certificates = createTestCertificates(scratchDirectory('grpc-tls'));
    database = await createTestDatabase('gateway_grpc_tls');
    const common = { DATABASE_URL: database.url, CSV_PATH: SAMPLE_CSV_PATH, METER_ID: 'meter-1' };
    const serverTls = { GRPC_TLS_CERT: certificates.serverCert, GRPC_TLS_KEY: certificates.serverKey };
    [tlsServer, mutualTlsServer] = await Promise.all([
      startGrpcServer({ ...common, ...serverTls }),
      startGrpcServer({ ...common, ...serverTls, GRPC_TLS_CLIENT_CA: certificates.caCert, MAX_CONCURRENT_UPLOADS: '1' }),
    ]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await Promise.all([tlsServer?.stop(), mutualTlsServer?.stop()]);
    await database?.drop();
  });

  it('serves the API through a TLS channel that trusts the server certificate’s CA', async () => {
    const app = await gatewayTo(tlsServer!.port, tlsOf({ ca: certificates.caCert }));
    const [status, body] = await getJson(app, '/api/meters');
    expect(status).toBe(200);
    expect(body.meters.map((meter: { meterId: string }) => meter.meterId)).toEqual(['meter-1']);
    expect(await getJson(app, '/readyz')).toEqual([200, { status: 'SERVING' }]);
    expect(tlsServer!.logs.find((line) => line.transport !== undefined)).toMatchObject({ transport: 'TLS' });
  });

  it('answers 503, never plaintext data, when the gateway does not trust the server or speaks plaintext to it', async () => {
    const untrusting = await gatewayTo(tlsServer!.port, tlsOf({ ca: certificates.otherCaCert }));
    expect(await getJson(untrusting, '/api/meters')).toEqual([503, UNAVAILABLE]);
    const plaintext = await gatewayTo(tlsServer!.port, undefined);
    expect(await getJson(plaintext, '/api/meters')).toEqual([503, UNAVAILABLE]);
  });

  it('requires a client certificate signed by GRPC_TLS_CLIENT_CA under mutual TLS', async () => {
    const withoutCertificate = await gatewayTo(mutualTlsServer!.port, tlsOf({ ca: certificates.caCert }));
    expect(await getJson(withoutCertificate, '/api/meters')).toEqual([503, UNAVAILABLE]);
    const withCertificate = await gatewayTo(
      mutualTlsServer!.port,
      tlsOf({ ca: certificates.caCert, cert: certificates.clientCert, key: certificates.clientKey }),
    );
    const [status, body] = await getJson(withCertificate, '/api/summary?meter=meter-1');
    expect(status).toBe(200);
    expect(body).toMatchObject({ meterId: 'meter-1', summary: { presentCount: 2974, missingCount: 1 } });
  });

  it('works with buf curl as the README shows: --cacert for TLS, plus --cert and --key for mutual TLS', async () => {
    const listMeters = (port: number, ...flags: string[]) =>
      run(BUF, [
        'curl',
        '--protocol',
        'grpc',
        '--cacert',
        certificates.caCert,
        ...flags,
        `https://localhost:${port}/meterusage.v1.MeterUsageService/ListMeters`,
      ]);
    expect(JSON.parse((await listMeters(tlsServer!.port)).stdout)).toMatchObject({ meters: [{ meterId: 'meter-1' }] });
    const mutual = await listMeters(mutualTlsServer!.port, '--cert', certificates.clientCert, '--key', certificates.clientKey);
    expect(JSON.parse(mutual.stdout)).toMatchObject({ meters: [{ meterId: 'meter-1' }] });
  });

  it('answers 429 with Retry-After when grpc-server already runs MAX_CONCURRENT_UPLOADS uploads, and takes the next upload after', async () => {
    const app = await gatewayTo(mutualTlsServer!.port, tlsOf({ ca: certificates.caCert, cert: certificates.clientCert, key: certificates.clientKey }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as { port: number }).port;
    const post = (body?: string) =>
      new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
        const request = httpRequest(
          { host: '127.0.0.1', port, method: 'POST', path: '/api/readings?meter=tls-upload', headers: { 'content-type': 'text/csv' } },
          (response) => {
            let text = '';
            response.on('data', (chunk: Buffer) => (text += chunk.toString()));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }));
          },
        );
        request.on('error', reject);
        if (body === undefined) {
          // A slow upload: the header line now, the rest when the test says.
          request.write('time,meterusage\n');
          slowUploadRest = (rest) => request.end(rest);
        } else {
          request.end(body);
        }
      });
    let slowUploadRest: ((rest: string) => void) | undefined;
    const slow = post();
    // Wait until grpc-server has admitted the slow upload (its connection holds the transaction).
    const deadline = Date.now() + 20_000;
    let refused: Awaited<ReturnType<typeof post>> | undefined;
    while (Date.now() < deadline) {
      const attempt = await post('time,meterusage\n2019-02-01 00:15:00,1\n');
      if (attempt.status === 429) {
        refused = attempt;
        break;
      }
      // Admitted before the slow one got its slot: it committed; try again.
      expect(attempt.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(refused).toBeDefined();
    expect(refused!.headers['retry-after']).toBe('5');
    expect(JSON.parse(refused!.body)).toEqual({
      error: {
        code: 'RESOURCE_EXHAUSTED',
        message: 'IngestReadings: 1 calls are already running, the most this server allows at once; retry when one has finished',
      },
    });
    slowUploadRest!('2019-02-01 00:30:00,2\n');
    const finished = await slow;
    expect(finished.status).toBe(200);
    expect(JSON.parse(finished.body)).toMatchObject({ committed: true });
  });
});
