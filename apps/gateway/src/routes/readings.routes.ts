import type { FastifyInstance } from 'fastify';
import { PAGE_SIZE } from '@meterusage/contracts';
import { callUnary } from '../grpc/call';
import { sendable } from '../answers/body-pieces';
import { answeredAt, withoutAnswerCache } from '../plugins/versioned-answers';
import { readingsJson } from './readings-json';
import { querySchema, rangeParams, type RangeQuery } from './query-schemas';
import { toRangeRequest } from './range-request';
import { errorResponses, readingSchema } from './response-schemas';

// HTTP's page_size is 1 to the contract's maximum: an omitted parameter is the default, and 0 is
// refused here because in gRPC it would silently mean the default. The maximum stays in the schema
// so OpenAPI states the range and a refusal words it whole.
const pageSizeParam = {
  type: 'integer',
  minimum: 1,
  maximum: PAGE_SIZE.max,
  description: `Intervals per page (default ${PAGE_SIZE.default}, at most ${PAGE_SIZE.max}).`,
} as const;

/** The 200 body of GET /api/readings (written by readingsJson, which tests hold to this schema's serializer). */
export const readingsResponseSchema = {
  type: 'object',
  required: ['meterId', 'unit', 'readings', 'nextPageToken'],
  properties: {
    meterId: { type: 'string' },
    unit: { type: 'string' },
    readings: { type: 'array', items: readingSchema },
    nextPageToken: { type: 'string', description: 'Empty on the last page.' },
  },
} as const;

interface ReadingsQuery extends RangeQuery {
  page_size?: number;
  page_token?: string;
}

export async function readingsRoutes(app: FastifyInstance, options: { deadlineMs: number }): Promise<void> {
  app.get<{ Querystring: ReadingsQuery }>(
    '/api/readings',
    {
      config: { versionedAnswer: true },
      schema: {
        summary: "One page of a meter's intervals in [from, to), oldest first; holes appear as NOT_RECEIVED",
        tags: ['readings'],
        querystring: querySchema({
          ...rangeParams,
          page_size: pageSizeParam,
          // AIP-158: empty (what a client sends before it has a token) is the first page.
          page_token: {
            type: 'string',
            maxLength: 512,
            description: 'nextPageToken of the previous page, with the same meter, from and to; empty or omitted = the first page.',
          },
        }),
        response: { 200: readingsResponseSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const range = toRangeRequest(request.query);
      const pageSize = request.query.page_size ?? 0;
      const encoded = await callUnary(
        app.answerBytes.listReadings.bind(app.answerBytes),
        { ...range, pageSize, pageToken: request.query.page_token ?? '' },
        { deadlineMs: options.deadlineMs, metadata: app.callMetadata(request) },
      );
      // Written here, from the encoded answer, rather than by the schema's serializer (see readings-json.ts).
      const written = await readingsJson(encoded);
      answeredAt(request, written);
      const { body, nextPageToken } = written;
      // A next-page token is signed with this grpc-server's key (random per process unless
      // PAGE_TOKEN_SECRET is set): a kept copy could outlive the key. Only last pages are kept.
      if (nextPageToken !== '') withoutAnswerCache(reply);
      return reply.type('application/json; charset=utf-8').header('content-length', body.length).send(sendable(body));
    },
  );
}
