import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';

/** OpenAPI document at /docs/json, generated from the route schemas, and Swagger UI at /docs (served locally). */
export const openApiPlugin = fp(
  async (app) => {
    await app.register(fastifySwagger, {
      openapi: {
        info: {
          title: 'meterusage HTTP API',
          version: '1.0.0',
          description:
            'Interval meter readings. A reading covers [start, end); ranges are half-open [from, to); missing values are absent, never 0. ' +
            'Times are RFC 3339 with four-digit years, 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z, to the millisecond. ' +
            'Every error has the JSON body {"error":{"code","message","details":[{"field","description"}]}}, the message naming the parameter and the reason; ' +
            'a method a known path does not take is 405 with Allow; unknown query parameters are 400. ' +
            'Access: with AUTH_MODE=keys every /api route but /api/time-zones needs "Authorization: Bearer <secret>" of an API key (Authorize, above): ' +
            "401 without a valid key, 403 without the scope the route needs (read, write, admin) or for an upload to a meter outside the key's grants; " +
            'a meter outside the grants reads as 404, exactly like a meter that does not exist.',
        },
        components: {
          securitySchemes: {
            apiKey: { type: 'http', scheme: 'bearer', description: 'The secret of an API key (mu_…), from `pnpm keys create` or POST /api/keys.' },
          },
        },
        security: [{ apiKey: [] }],
        tags: [
          { name: 'meters' },
          { name: 'readings' },
          { name: 'usage' },
          { name: 'seed', description: 'The original API' },
          { name: 'access' },
          { name: 'operations' },
        ],
      },
    });
    // Swagger UI needs inline styles; staticCSP gives its own pages a policy with the hashes it needs.
    await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true });
  },
  { name: 'openapi' },
);
