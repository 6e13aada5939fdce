import Fastify from 'fastify';

/**
 * What Fastify's serializer for a route's response schema (fast-json-stringify) makes of a value:
 * the body a route returning that value as an object would send (tests only). close() when done.
 */
export async function schemaSerializer(schema: object): Promise<{ serialise(value: unknown): Promise<string>; close(): Promise<void> }> {
  const app = Fastify();
  let next: unknown;
  app.post('/', { schema: { response: { 200: schema } } }, async () => next);
  await app.ready();
  return {
    async serialise(value) {
      next = value;
      return (await app.inject({ method: 'POST', url: '/' })).body;
    },
    close: () => app.close(),
  };
}
