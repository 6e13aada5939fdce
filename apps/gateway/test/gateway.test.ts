import type { FastifyInstance } from 'fastify';
import { createTestDatabase, readSampleCsv, SAMPLE_CSV_PATH, startGrpcServer, type AppProcess, type TestDatabase } from '@meterusage/testing';
import helmet from 'helmet';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { buildApp } from '../src/app';
import { SECURITY_HEADER_OPTIONS } from '../src/plugins/security-headers';

describe('gateway over a real grpc-server and PostgreSQL', () => {
  let database: TestDatabase;
  let grpcServer: AppProcess & { port: number };
  let app: FastifyInstance;

  beforeAll(async () => {
    database = await createTestDatabase('gateway');
    grpcServer = await startGrpcServer({ DATABASE_URL: database.url, CSV_PATH: SAMPLE_CSV_PATH, METER_ID: 'meter-1' });
    app = await buildApp({ grpcTarget: `127.0.0.1:${grpcServer.port}`, grpcDeadlineMs: 10_000 });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await grpcServer?.stop();
    await database?.drop();
  });

  it('GET /api/metrics returns exactly the CSV: 2,975 readings, ISO UTC times, the NaN as null', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const body = response.json<Array<{ time: string; meterusage: number | null }>>();
    expect(body).toEqual(readSampleCsv());
    expect(body[0]).toEqual({ time: '2019-01-01T00:15:00Z', meterusage: 55.09 });
    expect(body.filter((metric) => metric.meterusage === null)).toEqual([{ time: '2019-01-17T02:45:00Z', meterusage: null }]);
  });

  it('GET /readyz reports SERVING and /healthz answers', async () => {
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect([ready.statusCode, ready.json()]).toEqual([200, { status: 'SERVING' }]);
    const alive = await app.inject({ method: 'GET', url: '/healthz' });
    expect([alive.statusCode, alive.json()]).toEqual([200, { status: 'ok' }]);
  });

  it('carries a caller request id through and makes one otherwise', async () => {
    const given = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'trace-123' } });
    expect(given.headers['x-request-id']).toBe('trace-123');
    const made = await app.inject({ method: 'GET', url: '/healthz' });
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("sends helmet's headers on every kind of answer: page, API, download, 404, 400, 405", async () => {
    // The reference: helmet's own middleware run on a real response.
    const response = new ServerResponse(new IncomingMessage(new Socket()));
    helmet(SECURITY_HEADER_OPTIONS)(response.req, response, () => undefined);
    const expected = response.getHeaders();
    expect(Object.keys(expected).length).toBeGreaterThan(8);
    const urls = ['/', '/app.js', '/healthz', '/api/meters', '/api/export?from=2019-01-01&to=2019-01-02', '/api/nowhere', '/api/usage?bucket=week', '/readyz'];
    for (const url of urls) expect({ url, headers: (await app.inject({ method: 'GET', url })).headers }).toMatchObject({ url, headers: expected });
    expect((await app.inject({ method: 'DELETE', url: '/api/meters' })).headers).toMatchObject(expected);
  });

  it('serves the dashboard and its chart library from node_modules, nothing from a CDN', async () => {
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('/vendor/uplot/uPlot.iife.min.js');
    expect(page.body).not.toMatch(/src="(https?:)?\/\//);
    const library = await app.inject({ method: 'GET', url: '/vendor/uplot/uPlot.iife.min.js' });
    expect(library.statusCode).toBe(200);
    expect(library.body).toContain('uPlot');
    for (const asset of ['/app.js', '/styles.css', '/vendor/uplot/uPlot.min.css']) {
      expect((await app.inject({ method: 'GET', url: asset })).statusCode).toBe(200);
    }
  });

  it('answers an unknown route with a JSON 404', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/nothing?x=1' });
    expect([response.statusCode, response.json()]).toEqual([404, { error: { code: 'NOT_FOUND', message: 'no route for GET /api/nothing' } }]);
  });
});
