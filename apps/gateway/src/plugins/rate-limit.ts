import fastifyRateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import { HttpStatusError } from '../errors';

// Probes and scrapes must keep working while a client is throttled.
const EXEMPT = new Set(['/healthz', '/readyz', '/metrics']);

/** An optional per-address rate limit (RATE_LIMIT_PER_MINUTE): 429 with the usual error body and Retry-After. */
export const rateLimitPlugin = fp<{ perMinute: number }>(
  async (app, { perMinute }) => {
    if (perMinute <= 0) return;
    await app.register(fastifyRateLimit, {
      global: true,
      max: perMinute,
      timeWindow: 60_000,
      allowList: (request) => EXEMPT.has(request.url.split('?')[0] ?? ''),
      errorResponseBuilder: (_request, context) =>
        new HttpStatusError(
          429,
          'RESOURCE_EXHAUSTED',
          `more than ${context.max} requests a minute from this address; retry in ${Math.ceil(context.ttl / 1000)} s`,
        ),
    });
  },
  { name: 'rate-limit' },
);
