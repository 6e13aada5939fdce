import type { FastifyInstance } from 'fastify';
import { sendable } from '../answers/body-pieces';
import { callUnary } from '../grpc/call';
import { answeredAt } from '../plugins/versioned-answers';
import { meterParam, querySchema } from './query-schemas';
import { metricsJson } from './readings-json';
import { errorResponses } from './response-schemas';

/**
 * The 200 body of the seed-compatible GET /api/metrics: each reading's label instant (ISO 8601
 * UTC, the interval's end for the sample) and its usage, null when missing. Written by
 * metricsJson, which tests hold to this schema's serializer.
 */
export const metricsResponseSchema = {
  type: 'array',
  items: {
    type: 'object',
    required: ['time', 'meterusage'],
    properties: { time: { type: 'string', format: 'date-time' }, meterusage: { type: ['number', 'null'] } },
  },
} as const;

const metricsSchema = {
  summary: 'Every reading of a meter, the default one unless named (seed-compatible)',
  tags: ['seed'],
  querystring: querySchema({ meter: meterParam }),
  response: { 200: metricsResponseSchema, ...errorResponses },
} as const;

export async function metricsRoutes(app: FastifyInstance, options: { deadlineMs: number }): Promise<void> {
  app.get<{ Querystring: { meter?: string } }>('/api/metrics', { schema: metricsSchema, config: { versionedAnswer: true } }, async (request, reply) => {
    const encoded = await callUnary(
      app.answerBytes.getMetrics.bind(app.answerBytes),
      { meterId: request.query.meter ?? '' },
      { deadlineMs: options.deadlineMs, metadata: app.callMetadata(request) },
    );
    // Written here, from the encoded answer, rather than by the schema's serializer (see readings-json.ts).
    const written = await metricsJson(encoded);
    answeredAt(request, written);
    const { body } = written;
    return reply.type('application/json; charset=utf-8').header('content-length', body.length).send(sendable(body));
  });
}
