import type { FastifyInstance } from 'fastify';
import type { Reading } from '@meterusage/contracts';
import { callUnary } from '../grpc/call';
import { toIsoSeconds } from './json-mapping';

/** One element of the seed-compatible /api/metrics array. */
export interface MetricJson {
  /** ISO 8601 UTC instant the source labels the reading with (the interval's end for the sample). */
  time: string;
  /** kWh in the interval, or null when the reading is missing. */
  meterusage: number | null;
}

const metricsSchema = {
  summary: 'Every reading of the default meter (seed-compatible)',
  tags: ['seed'],
  response: {
    200: {
      type: 'array',
      items: {
        type: 'object',
        required: ['time', 'meterusage'],
        properties: { time: { type: 'string', format: 'date-time' }, meterusage: { type: ['number', 'null'] } },
      },
    },
  },
} as const;

export async function metricsRoutes(app: FastifyInstance, options: { deadlineMs: number }): Promise<void> {
  app.get('/api/metrics', { schema: metricsSchema }, async (request): Promise<MetricJson[]> => {
    const response = await callUnary(
      app.meterUsage.getMetrics.bind(app.meterUsage),
      { meterId: '' },
      { deadlineMs: options.deadlineMs, requestId: request.id },
    );
    return response.readings.map(toMetricJson);
  });
}

export function toMetricJson(reading: Reading): MetricJson {
  return { time: toIsoSeconds(reading.time) ?? '', meterusage: reading.usage ?? null };
}
