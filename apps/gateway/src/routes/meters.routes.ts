import type { FastifyInstance } from 'fastify';
import { callUnary } from '../grpc/call';
import { toMeterJson } from './json-mapping';
import { querySchema } from './query-schemas';
import { errorResponses, meterSchema } from './response-schemas';

export async function metersRoutes(app: FastifyInstance, options: { deadlineMs: number }): Promise<void> {
  app.get(
    '/api/meters',
    {
      schema: {
        summary: 'Every meter with its unit, interval length and data span',
        tags: ['meters'],
        querystring: querySchema({}),
        response: { 200: { type: 'object', required: ['meters'], properties: { meters: { type: 'array', items: meterSchema } } }, ...errorResponses },
      },
    },
    async (request) => {
      const response = await callUnary(
        app.meterUsage.listMeters.bind(app.meterUsage),
        {},
        { deadlineMs: options.deadlineMs, metadata: app.callMetadata(request) },
      );
      return { meters: response.meters.map(toMeterJson) };
    },
  );
}
