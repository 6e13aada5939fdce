import type { FastifyInstance } from 'fastify';
import type { Reading } from '@meterusage/contracts';
import { callUnary } from '../grpc/call';
import { toIsoSeconds } from './json-mapping';
import { meterParam, querySchema } from './query-schemas';
import { errorResponses } from './response-schemas';

/** One element of the seed-compatible /api/metrics array. */
export interface MetricJson {
  /** ISO 8601 UTC instant the source labels the reading with (the interval's end for the sample). */
  time: string;
  /** kWh in the interval, or null when the reading is missing. */
  meterusage: number | null;
}

const metricsSchema = {
  summary: 'Every reading of a meter, the default one unless named (seed-compatible)',
  tags: ['seed'],
  querystring: querySchema({ meter: meterParam }),
  response: {
    200: {
      type: 'array',
      items: {
        type: 'object',
        required: ['time', 'meterusage'],
        properties: { time: { type: 'string', format: 'date-time' }, meterusage: { type: ['number', 'null'] } },
      },
    },
    ...errorResponses,
  },
} as const;

export async function metricsRoutes(app: FastifyInstance, options: { deadlineMs: number }): Promise<void> {
  app.get<{ Querystring: { meter?: string } }>(
    '/api/metrics',
    { schema: metricsSchema, config: { versionedAnswer: true } },
    async (request): Promise<MetricJson[]> => {
      const response = await callUnary(
        app.meterUsage.getMetrics.bind(app.meterUsage),
        { meterId: request.query.meter ?? '' },
        { deadlineMs: options.deadlineMs, requestId: request.id },
      );
      return response.readings.map(toMetricJson);
    },
  );
}

export function toMetricJson(reading: Reading): MetricJson {
  return { time: toIsoSeconds(reading.time) ?? '', meterusage: reading.usage ?? null };
}
