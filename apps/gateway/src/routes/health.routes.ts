import type { FastifyInstance, FastifyReply } from 'fastify';
import { METER_USAGE_SERVICE_NAME, ServingStatus } from '@meterusage/contracts';
import { callUnary } from '../grpc/call';
import { WatchedReadiness } from '../grpc/watched-readiness';
import { READINESS_UNREACHABLE, readinessSchema } from './response-schemas';

const READINESS_DEADLINE_MS = 2_000;

/** /healthz: the gateway process answers. /readyz: grpc-server reports SERVING for the meter service (watched, see WatchedReadiness). */
export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/healthz', { logLevel: 'warn', schema: { tags: ['operations'], summary: 'The gateway process answers' } }, async () => ({ status: 'ok' }));

  const readyzSchema = { tags: ['operations'], summary: 'grpc-server reports SERVING', response: { 200: readinessSchema, 503: readinessSchema } };
  const watched = new WatchedReadiness(app.grpcHealth, METER_USAGE_SERVICE_NAME);
  app.addHook('onClose', async () => watched.close());
  const answer = (reply: FastifyReply, status: ServingStatus) =>
    reply.code(status === ServingStatus.SERVING ? 200 : 503).send({ status: ServingStatus[status] ?? 'UNKNOWN' });

  // A probe's answer, not an error: 503 with the status, in the same body as 200. From the watched
  // status while it is fresh; else (starting, reconnecting) grpc-server is asked.
  app.get('/readyz', { logLevel: 'warn', schema: readyzSchema }, async (request, reply) => {
    const current = watched.current();
    if (current !== undefined) return answer(reply, current);
    try {
      const response = await callUnary(
        app.grpcHealth.check.bind(app.grpcHealth),
        { service: METER_USAGE_SERVICE_NAME },
        { deadlineMs: READINESS_DEADLINE_MS, metadata: app.callMetadata(request) },
      );
      return answer(reply, response.status);
    } catch (error) {
      // Whether grpc-server is reachable is logged once per change (plugins/grpc-clients.ts), not per probe.
      request.log.debug({ cause: (error as Error).message }, 'readiness check could not reach grpc-server');
      return reply.code(503).send({ status: READINESS_UNREACHABLE });
    }
  });
}
