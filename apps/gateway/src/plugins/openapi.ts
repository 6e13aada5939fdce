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
            'Interval meter readings. A reading covers [start, end); ranges are half-open [from, to); missing values are absent, never 0. Errors: {"error":{"code","message","details"}}.',
        },
        tags: [{ name: 'meters' }, { name: 'readings' }, { name: 'usage' }, { name: 'seed', description: 'The original API' }, { name: 'operations' }],
      },
    });
    // Swagger UI needs inline styles; staticCSP gives its own pages a policy with the hashes it needs.
    await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true });
  },
  { name: 'openapi' },
);
