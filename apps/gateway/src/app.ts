import { RFC3339_TIMESTAMP } from '@meterusage/time';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { GatewayConfig } from './config';
import { errorBody, HttpStatusError, rawClientErrorResponse, toHttpError } from './errors';
import { dashboardPlugin } from './plugins/dashboard';
import { grpcClientsPlugin } from './plugins/grpc-clients';
import { healthRoutes } from './routes/health.routes';
import { prometheusPlugin } from './plugins/prometheus';
import { openApiPlugin } from './plugins/openapi';
import { rateLimitPlugin } from './plugins/rate-limit';
import { securityHeadersPlugin } from './plugins/security-headers';
import { finiteQueryNumbersPlugin } from './plugins/finite-query-numbers';
import { versionedAnswersPlugin } from './plugins/versioned-answers';
import { accessRoutes } from './routes/access.routes';
import { exportRoutes } from './routes/export.routes';
import { ingestRoutes } from './routes/ingest.routes';
import { metersRoutes } from './routes/meters.routes';
import { metricsRoutes } from './routes/metrics.routes';
import { readingsRoutes } from './routes/readings.routes';
import { PLAIN_DATE } from './routes/time-domain';
import { uploadsRoutes } from './routes/uploads.routes';
import { historyRoutes } from './routes/history.routes';
import { usageRoutes } from './routes/usage.routes';
import { profileRoutes } from './routes/profile.routes';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Deadline of the route's gRPC call when it is not GRPC_DEADLINE_MS (exports and uploads), for the 504 message. */
    grpcDeadlineMs?: number;
  }
}

export type AppConfig = Pick<GatewayConfig, 'grpcTarget' | 'grpcDeadlineMs'> &
  Partial<
    Pick<
      GatewayConfig,
      | 'grpcTls'
      | 'grpcStreamDeadlineMs'
      | 'ingestBodyLimitBytes'
      | 'ingestToken'
      | 'auth'
      | 'rateLimitPerMinute'
      | 'rateLimitPerKeyPerMinute'
      | 'answerCacheMaxBytes'
    >
  >;

/** Builds the gateway (clients, routes, dashboard) without listening, so tests can inject or listen on port 0. */
export async function buildApp(config: AppConfig, options: { logger?: FastifyBaseLogger } = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : {}),
    // Honour a caller's request id (a proxy's), else make one; it travels to grpc-server as metadata.
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && /^[\w.:-]{1,128}$/.test(incoming) ? incoming : randomUUID();
    },
    requestIdHeader: false,
    // Unknown query parameters are refused (400) rather than silently dropped: a typo such as
    // ?form= must not quietly return the whole range. verbose: errors carry the parameter's schema
    // and value, from which errors/schema-errors.ts words every refusal itself. The date-time and date formats
    // are the shapes the routes parse (libs/time's RFC 3339 pattern, time-domain.ts's plain date),
    // not ajv-formats' looser ones.
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: true, verbose: true },
      onCreate: (ajv) => {
        ajv.addFormat('date-time', RFC3339_TIMESTAMP);
        ajv.addFormat('date', PLAIN_DATE);
      },
    },
    // Node answers an HTTP/1.1 request without Host with an empty 400 of its own; the hook below
    // refuses it with the JSON body instead.
    http: { requireHostHeader: false },
    // Errors before routing (a malformed %-escape in the path) get the same JSON body as the rest.
    frameworkErrors: (error, _request, reply: FastifyReply) => {
      const response = toHttpError(error, config.grpcDeadlineMs);
      void reply.code(response.statusCode).send(response.body);
    },
    // A request Node's HTTP parser refuses never reaches Fastify: answer it here, and close the
    // connection explicitly so a keep-alive client does not send its next request into it.
    clientErrorHandler: (error, socket) => {
      // A response already under way on this connection (a pipelined request behind a download)
      // must not get a second status line in the middle of its body: then just close.
      const current = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
      if (socket.writable && current?.headersSent !== true) socket.end(rawClientErrorResponse(error));
      else socket.destroy();
    },
  });

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  app.addHook('onRequest', async (request) => {
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      throw new HttpStatusError(400, 'INVALID_ARGUMENT', 'an HTTP/1.1 request needs a Host header (RFC 9112, section 3.2)');
    }
  });

  // No route here takes a body but the upload, which has its own parser: any other body is left
  // unread (Node discards it) instead of parsed, so a wrong method or path gets its 405 or 404
  // rather than a JSON syntax error.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));

  // The methods of each fixed path, for the 405 of a known path asked with another method.
  const methodsOfPath = new Map<string, Set<string>>();
  app.addHook('onRoute', (route) => {
    if (/[:*]/.test(route.url)) return; // patterns (static files, Swagger UI assets) are not "known paths"
    const methods = methodsOfPath.get(route.url) ?? new Set<string>();
    for (const method of [route.method].flat()) methods.add(method);
    if (methods.has('GET')) methods.add('HEAD');
    methodsOfPath.set(route.url, methods);
  });

  app.setErrorHandler((error, request, reply) => {
    const response = toHttpError(error, request.routeOptions.config.grpcDeadlineMs ?? config.grpcDeadlineMs);
    // A fault of ours is logged with its stack; the rest in one line at the level its status deserves.
    if (response.logLevel === 'error') request.log.error({ err: error, statusCode: response.statusCode }, 'request failed');
    else request.log[response.logLevel]({ statusCode: response.statusCode, code: response.body.error.code, cause: (error as Error).message }, 'request failed');
    if (response.headers) void reply.headers(response.headers);
    return reply.code(response.statusCode).send(response.body);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const methods = methodsOfPath.get(path);
    if (methods !== undefined) {
      const allow = [...methods].sort().join(', ');
      throw new HttpStatusError(405, 'METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${path}; it takes ${allow}`, { allow });
    }
    return reply.code(404).send(errorBody('NOT_FOUND', `no route for ${request.method} ${path}`));
  });

  await app.register(securityHeadersPlugin);
  // Before any route's own preHandler (the answer cache asks grpc-server for a version there).
  await app.register(finiteQueryNumbersPlugin);
  await app.register(rateLimitPlugin, { perMinute: config.rateLimitPerMinute ?? 0, perKeyPerMinute: config.rateLimitPerKeyPerMinute ?? 0 });
  await app.register(openApiPlugin);
  await app.register(prometheusPlugin);
  const requireKeys = config.auth?.mode === 'keys';
  await app.register(grpcClientsPlugin, { target: config.grpcTarget, tls: config.grpcTls, requireKeys });
  await app.register(versionedAnswersPlugin, { maxBytes: config.answerCacheMaxBytes ?? 64 * 1024 * 1024, deadlineMs: config.grpcDeadlineMs });
  await app.register(healthRoutes);
  const routeOptions = { deadlineMs: config.grpcDeadlineMs };
  await app.register(metricsRoutes, routeOptions);
  await app.register(metersRoutes, routeOptions);
  await app.register(readingsRoutes, routeOptions);
  await app.register(usageRoutes, routeOptions);
  await app.register(profileRoutes, routeOptions);
  const longDeadlineMs = config.grpcStreamDeadlineMs ?? 10 * 60_000;
  await app.register(exportRoutes, { deadlineMs: longDeadlineMs });
  await app.register(ingestRoutes, {
    deadlineMs: longDeadlineMs,
    bodyLimitBytes: config.ingestBodyLimitBytes ?? 64 * 1024 * 1024,
    // The deprecated shared token is the gateway's own check only while keys are off.
    token: requireKeys ? undefined : config.ingestToken,
  });
  await app.register(accessRoutes, routeOptions);
  await app.register(uploadsRoutes, routeOptions);
  await app.register(historyRoutes, {
    ...routeOptions,
    writeDeadlineMs: longDeadlineMs,
    token: requireKeys ? undefined : config.ingestToken,
  });
  await app.register(dashboardPlugin);
  return app;
}
