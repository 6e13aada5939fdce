import fp from 'fastify-plugin';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AnswerOutcome } from './versioned-answers';

declare module 'fastify' {
  interface FastifyInstance {
    /** Records one finished gRPC call of the gateway's clients. */
    recordGrpcCall(method: string, code: string, seconds: number): void;
    /** Counts one request of a versionedAnswer route by what the answer cache made of it. */
    recordAnswer(outcome: AnswerOutcome): void;
  }
}

/**
 * Prometheus exposition at GET /metrics (not the seed API's /api/metrics readings): HTTP latency
 * by route and status, gRPC client latency by method and code, and Node's process figures. One
 * registry per app instance (tests build many).
 */
export const prometheusPlugin = fp(
  async (app) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'gateway_' });
    const http = new Histogram({
      name: 'gateway_http_request_duration_seconds',
      help: 'HTTP requests by route (its pattern, not the URL) and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
    const grpc = new Histogram({
      name: 'gateway_grpc_client_duration_seconds',
      help: 'Calls to grpc-server by method and gRPC status code',
      labelNames: ['method', 'code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
    const rejected = new Counter({ name: 'gateway_rate_limited_total', help: 'Requests refused by the rate limit', registers: [registry] });

    const answers = new Counter({
      name: 'gateway_answers_total',
      help: 'Requests of the cached read routes by outcome: hit, miss, not_modified (304), unversioned (no version: an unknown or malformed meter, or a grpc-server without GetDataVersion), uncacheable (an answer that depends on more than the data of its meter)',
      labelNames: ['outcome'],
      registers: [registry],
    });

    app.decorate('recordGrpcCall', (method: string, code: string, seconds: number) => grpc.observe({ method, code }, seconds));
    app.decorate('recordAnswer', (outcome: AnswerOutcome) => answers.inc({ outcome }));
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      if (route === '/metrics') return;
      if (reply.statusCode === 429) rejected.inc();
      http.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    });
    app.get('/metrics', { logLevel: 'warn', schema: { tags: ['operations'], summary: 'Prometheus metrics', hide: false } }, async (_request, reply) =>
      reply.type(registry.contentType).send(await registry.metrics()),
    );
  },
  { name: 'prometheus' },
);
