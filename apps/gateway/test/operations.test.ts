import type { FastifyInstance } from 'fastify';
import { freePort } from '@meterusage/testing';
import { buildApp, type AppConfig } from '../src/app';

/** Gateway behaviour that needs no backend: metrics, the rate limit, the upload token. */
describe('gateway operations (backend absent)', () => {
  let app: FastifyInstance | undefined;
  const start = async (config: Partial<AppConfig> = {}) => {
    app = await buildApp({ grpcTarget: `127.0.0.1:${await freePort()}`, grpcDeadlineMs: 2_000, ...config });
    return app;
  };
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('exposes Prometheus metrics: HTTP latency by route and status, gRPC client latency by method and code', async () => {
    const gateway = await start();
    expect((await gateway.inject({ method: 'GET', url: '/api/metrics' })).statusCode).toBe(503);
    await gateway.inject({ method: 'GET', url: '/api/readings?page_size=0' });
    const metrics = await gateway.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    expect(metrics.body).toMatch(/gateway_http_request_duration_seconds_count\{method="GET",route="\/api\/metrics",status_code="503"\} 1/);
    expect(metrics.body).toMatch(/gateway_http_request_duration_seconds_count\{method="GET",route="\/api\/readings",status_code="400"\} 1/);
    // The route's call fails, and is the answer (a first read of a URL asks no version first).
    expect(metrics.body).toMatch(/gateway_grpc_client_duration_seconds_count\{method="GetMetrics",code="UNAVAILABLE"\} 1/);
    expect(metrics.body).toContain('gateway_process_resident_memory_bytes');
  });

  it('limits requests per address when RATE_LIMIT_PER_MINUTE is set, never the probes', async () => {
    const gateway = await start({ rateLimitPerMinute: 3 });
    const statuses = [];
    for (let index = 0; index < 4; index++) statuses.push((await gateway.inject({ method: 'GET', url: '/api/meters' })).statusCode);
    expect(statuses).toEqual([503, 503, 503, 429]);
    const limited = await gateway.inject({ method: 'GET', url: '/api/meters' });
    expect(limited.json().error).toMatchObject({ code: 'RESOURCE_EXHAUSTED', message: expect.stringMatching(/^more than 3 requests a minute/) });
    expect(limited.headers['retry-after']).toBeDefined();
    expect((await gateway.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('limits requests per API key when RATE_LIMIT_PER_KEY_PER_MINUTE is set: each key its own budget, whatever the address', async () => {
    const gateway = await start({ rateLimitPerKeyPerMinute: 2 });
    const asKey = (authorization?: string, remoteAddress = '10.0.0.1') =>
      gateway.inject({ method: 'GET', url: '/api/time-zones', remoteAddress, headers: authorization === undefined ? {} : { authorization } });
    const statuses = [];
    for (const address of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) statuses.push((await asKey('Bearer key-a', address)).statusCode);
    expect(statuses).toEqual([200, 200, 429]);
    const limited = await asKey('Bearer key-a');
    expect([limited.json().error.message, limited.headers['retry-after']]).toEqual([
      expect.stringMatching(/^more than 2 requests a minute with this API key; retry in \d+ s$/),
      expect.stringMatching(/^\d+$/),
    ]);
    expect((await asKey('Bearer key-b')).statusCode).toBe(200);
    expect((await asKey()).statusCode).toBe(200);
    expect((await gateway.inject({ method: 'GET', url: '/healthz', headers: { authorization: 'Bearer key-a' } })).statusCode).toBe(200);
  });

  it.each([
    ['an upload', '/api/readings'],
    ['a revert', '/api/uploads/1/revert'],
    ['an estimation run', '/api/meters/meter-1/estimate?from=2019-01-01&to=2019-01-02&method=linear'],
  ])('requires the bearer token for %s when INGEST_TOKEN is set and keys are off', async (_write, url) => {
    const gateway = await start({ ingestToken: 'sixteen-chars-or-more' });
    const write = (authorization?: string) =>
      gateway.inject({
        method: 'POST',
        url,
        payload: 'time,meterusage\n',
        headers: { 'content-type': 'text/csv', ...(authorization ? { authorization } : {}) },
      });
    expect((await write()).statusCode).toBe(401);
    expect((await write('Bearer wrong-token-of-some-length')).json().error).toEqual({
      code: 'UNAUTHENTICATED',
      message: 'writes need "Authorization: Bearer <INGEST_TOKEN>"',
    });
    // The right token passes the gate (and meets the absent backend).
    expect((await write('Bearer sixteen-chars-or-more')).statusCode).toBe(503);
  });

  it('documents the bearer scheme in /docs, for every route', async () => {
    const gateway = await start();
    const document = (await gateway.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(document.components.securitySchemes).toEqual({ apiKey: expect.objectContaining({ type: 'http', scheme: 'bearer' }) });
    expect(document.security).toEqual([{ apiKey: [] }]);
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/api/caller', '/api/keys', '/api/keys/{name}']));
  });

  it('leaves every credential to grpc-server when AUTH_MODE=keys, INGEST_TOKEN or not', async () => {
    const gateway = await start({ ingestToken: 'sixteen-chars-or-more', auth: { mode: 'keys', offBeyondLoopback: false } });
    const upload = await gateway.inject({ method: 'POST', url: '/api/readings', payload: 'time,meterusage\n', headers: { 'content-type': 'text/csv' } });
    // Not refused here for the missing token: the call went on to the (absent) backend.
    expect(upload.statusCode).toBe(503);
  });
});
