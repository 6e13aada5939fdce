import fastifyRateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import { createHash } from 'node:crypto';
import { HttpStatusError } from '../errors';

// Probes and scrapes must keep working while a client is throttled.
const EXEMPT = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Optional rate limits: per client address (RATE_LIMIT_PER_MINUTE) and per API key
 * (RATE_LIMIT_PER_KEY_PER_MINUTE, by the Authorization value: a key keeps its own budget from
 * every address it is used from). Either answers 429 with the usual error body and Retry-After.
 */
export const rateLimitPlugin = fp<{ perMinute: number; perKeyPerMinute: number }>(
  async (app, { perMinute, perKeyPerMinute }) => {
    if (perKeyPerMinute > 0) {
      const windows = new KeyWindows(perKeyPerMinute);
      app.addHook('onRequest', async (request) => {
        const authorization = request.headers.authorization;
        if (authorization === undefined || EXEMPT.has(request.url.split('?')[0] ?? '')) return;
        const retryAfterSeconds = windows.take(authorization);
        if (retryAfterSeconds === undefined) return;
        throw new HttpStatusError(
          429,
          'RESOURCE_EXHAUSTED',
          `more than ${perKeyPerMinute} requests a minute with this API key; retry in ${retryAfterSeconds} s`,
          {
            'retry-after': String(retryAfterSeconds),
          },
        );
      });
    }
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

/** Most keys counted at once; past it, windows already over are dropped, then the oldest. */
const MAX_COUNTED_KEYS = 10_000;
const WINDOW_MS = 60_000;

/** Fixed one-minute windows per credential, counted by the credential's SHA-256 (the secret itself is not kept). */
class KeyWindows {
  private readonly windows = new Map<string, { startMs: number; count: number }>();

  constructor(private readonly max: number) {}

  /** Counts one request; undefined when it is within the limit, else the seconds until the window ends. */
  take(credential: string, nowMs = Date.now()): number | undefined {
    const id = createHash('sha256').update(credential).digest('base64');
    let window = this.windows.get(id);
    if (window === undefined || nowMs - window.startMs >= WINDOW_MS) {
      this.windows.delete(id);
      window = { startMs: nowMs, count: 0 };
      this.windows.set(id, window);
      if (this.windows.size > MAX_COUNTED_KEYS) this.forgetOld(nowMs);
    }
    window.count += 1;
    return window.count <= this.max ? undefined : Math.max(1, Math.ceil((window.startMs + WINDOW_MS - nowMs) / 1000));
  }

  private forgetOld(nowMs: number): void {
    for (const [id, window] of this.windows) {
      if (this.windows.size <= MAX_COUNTED_KEYS) return;
      if (nowMs - window.startMs >= WINDOW_MS) this.windows.delete(id);
    }
    while (this.windows.size > MAX_COUNTED_KEYS) this.windows.delete(this.windows.keys().next().value!);
  }
}
