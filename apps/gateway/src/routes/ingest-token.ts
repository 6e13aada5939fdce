import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HttpStatusError } from '../errors';

/**
 * The deprecated INGEST_TOKEN, the gateway's own check on every route that writes readings (uploads,
 * reverts, estimation runs) while API keys are off: without it the token would guard uploads and
 * leave the other writes open. Undefined token: nothing to check (keys on, or no token set).
 */
export function requireIngestToken(request: FastifyRequest, token: string | undefined): void {
  if (token === undefined || bearerMatches(request.headers.authorization, token)) return;
  throw new HttpStatusError(401, 'UNAUTHENTICATED', 'writes need "Authorization: Bearer <INGEST_TOKEN>"', {
    'www-authenticate': 'Bearer realm="meterusage"',
  });
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
