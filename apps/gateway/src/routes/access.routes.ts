import { AuthMode, type ApiKey, type Scope } from '@meterusage/contracts';
import { SCOPES, type ScopeName } from '@meterusage/meters';
import type { FastifyInstance } from 'fastify';
import { HttpStatusError } from '../errors';
import { callUnary } from '../grpc/call';
import { toIsoSeconds } from './json-mapping';
import { querySchema } from './query-schemas';
import { errorResponses } from './response-schemas';

// The caller's own access (for the dashboard and for scripts checking a key) and key management
// (scope admin). Every decision is grpc-server's: these routes only carry the caller's key there.

const scopeNames = (scopes: Scope[]) => scopes.map((scope) => SCOPES.nameOf(scope) ?? 'unknown');

/** Largest JSON body POST /api/keys reads. */
const KEY_BODY_LIMIT_BYTES = 64 * 1024;

const instant = { type: ['string', 'null'], format: 'date-time' } as const;
const keySchema = {
  type: 'object',
  required: ['name', 'scopes', 'meters', 'expiresAt', 'createdAt', 'lastUsedAt', 'revokedAt'],
  properties: {
    name: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string', enum: SCOPES.names } },
    meters: { type: 'array', items: { type: 'string' }, description: 'Meter ids, prefixes ending in *, or * for every meter.' },
    expiresAt: instant,
    createdAt: instant,
    lastUsedAt: { ...instant, description: 'Kept to the minute.' },
    revokedAt: instant,
  },
} as const;

function toKeyJson(key: ApiKey) {
  const time = (value: Date | undefined) => toIsoSeconds(value) ?? null;
  return {
    name: key.name,
    scopes: scopeNames(key.scopes),
    meters: key.meterGrants,
    expiresAt: time(key.expireTime),
    createdAt: time(key.createTime),
    lastUsedAt: time(key.lastUseTime),
    revokedAt: time(key.revokeTime),
  };
}

interface CreateKeyBody {
  name: string;
  scopes: string[];
  meters?: string[];
  expiresAt?: string;
}

export async function accessRoutes(app: FastifyInstance, options: { deadlineMs: number }): Promise<void> {
  const call = <Request, Response>(
    method: Parameters<typeof callUnary<Request, Response>>[0],
    request: Request,
    httpRequest: Parameters<FastifyInstance['callMetadata']>[0],
  ) => callUnary(method, request, { deadlineMs: options.deadlineMs, metadata: app.callMetadata(httpRequest) });

  // The one body these routes read; the rest of the gateway parses none (app.ts).
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: KEY_BODY_LIMIT_BYTES }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch (error) {
      done(new HttpStatusError(400, 'INVALID_ARGUMENT', `the body is not JSON: ${(error as Error).message}`), undefined);
    }
  });

  app.get(
    '/api/caller',
    {
      schema: {
        summary: 'Who the request\'s key is and what it may do: authMode "off" means no key is needed',
        tags: ['access'],
        querystring: querySchema({}),
        response: {
          200: {
            type: 'object',
            required: ['authMode', 'name', 'scopes', 'meters'],
            properties: {
              authMode: { type: 'string', enum: ['keys', 'off'] },
              name: { type: 'string' },
              scopes: keySchema.properties.scopes,
              meters: keySchema.properties.meters,
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const caller = await call(app.meterUsage.getCaller.bind(app.meterUsage), {}, request);
      return {
        authMode: caller.authMode === AuthMode.AUTH_MODE_OFF ? 'off' : 'keys',
        name: caller.keyName,
        scopes: scopeNames(caller.scopes),
        meters: caller.meterGrants,
      };
    },
  );

  app.get(
    '/api/keys',
    {
      schema: {
        summary: 'Every API key, revoked ones too, without secrets (scope admin)',
        tags: ['access'],
        querystring: querySchema({}),
        response: { 200: { type: 'object', required: ['keys'], properties: { keys: { type: 'array', items: keySchema } } }, ...errorResponses },
      },
    },
    async (request) => ({ keys: (await call(app.meterUsage.listApiKeys.bind(app.meterUsage), {}, request)).keys.map(toKeyJson) }),
  );

  app.post<{ Body: CreateKeyBody }>(
    '/api/keys',
    {
      schema: {
        summary: 'Creates an API key (scope admin); the answer holds its secret, shown this once',
        tags: ['access'],
        querystring: querySchema({}),
        body: {
          type: 'object',
          required: ['name', 'scopes'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', maxLength: 200 },
            scopes: { type: 'array', items: { type: 'string', enum: SCOPES.names }, minItems: 1, maxItems: 3 },
            meters: { type: 'array', items: { type: 'string', maxLength: 200 }, maxItems: 1000 },
            expiresAt: { type: 'string', format: 'date-time' },
          },
        },
        response: {
          201: {
            type: 'object',
            required: [...keySchema.required, 'secret'],
            properties: {
              ...keySchema.properties,
              secret: { type: 'string', description: 'Send as "Authorization: Bearer <secret>". Not stored: it cannot be shown again.' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const created = await call(
        app.meterUsage.createApiKey.bind(app.meterUsage),
        {
          name: body.name,
          scopes: body.scopes.map((scope) => SCOPES.values[scope as ScopeName]),
          meterGrants: body.meters ?? [],
          expireTime: body.expiresAt === undefined ? undefined : new Date(body.expiresAt),
        },
        request,
      );
      // The secret must not sit in any cache on the way back.
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .send({ ...toKeyJson(created.key!), secret: created.secret });
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/api/keys/:name',
    {
      schema: {
        summary: 'Revokes an API key (scope admin): every grpc-server refuses it within AUTH_KEY_CACHE_MS',
        tags: ['access'],
        querystring: querySchema({}),
        params: { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 200 } } },
        response: { 200: { type: 'object', required: ['key'], properties: { key: keySchema } }, ...errorResponses },
      },
    },
    async (request) => ({ key: toKeyJson((await call(app.meterUsage.revokeApiKey.bind(app.meterUsage), { name: request.params.name }, request)).key!) }),
  );
}
