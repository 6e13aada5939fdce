import fp from 'fastify-plugin';
import { BadRequestError, ruleOf } from '../errors';

type ParameterSchema = Parameters<typeof ruleOf>[0] & { type?: string };

/**
 * Refuses a numeric query parameter that ajv's type coercion turned into Infinity (or, for an
 * integer, a value beyond 2^53): "Infinity", "-Infinity" and "1e400" become Infinity, which passes
 * ajv's integer, minimum and maximum checks, and sent on fails int32 serialisation in grpc-js (a
 * 500). One check after validation, for every route and every integer or number parameter its
 * schema declares, worded like any other refusal of that parameter.
 */
export const finiteQueryNumbersPlugin = fp(async (app) => {
  app.addHook('preHandler', async (request) => {
    const properties = (request.routeOptions.schema?.querystring as { properties?: Record<string, ParameterSchema> } | undefined)?.properties;
    if (properties === undefined) return;
    const query = request.query as Record<string, unknown>;
    for (const [name, schema] of Object.entries(properties)) {
      const value = query[name];
      if (typeof value !== 'number') continue;
      const acceptable = schema.type === 'integer' ? Number.isSafeInteger(value) : Number.isFinite(value);
      if (!acceptable) throw new BadRequestError(name, ruleOf(schema));
    }
  });
});
