import { AuthMode, type ApiKey, type MeterUsageServiceServer } from '@meterusage/contracts';
import { SCOPES } from '@meterusage/meters';
import type { DatabaseHandle } from '../db/connection';
import { InvalidArgumentError } from '../errors';
import { callLogger } from '../grpc/call-logger';
import { unary } from '../grpc/unary';
import type { Logger } from '../logger';
import type { Telemetry } from '../prometheus';
import { createApiKey, listApiKeys, revokeApiKeyNamed } from './api-keys';
import type { ApiKeyRow } from './api-keys.repository';
import type { AuthMode as AuthModeName } from './authorize-calls';
import { callerOf } from './caller';
import type { ScopeName } from './meter-grants';

/** CreateApiKey, ListApiKeys, RevokeApiKey (scope admin) and GetCaller (any key). */
export function createApiKeyHandlers(deps: {
  db: DatabaseHandle['db'];
  authMode: AuthModeName;
  /** Called with the key id of a key revoked here, so this server refuses it at once. */
  onRevoked: (keyId: string) => void;
  logger: Logger;
  telemetry?: Telemetry;
}): Pick<MeterUsageServiceServer, 'createApiKey' | 'listApiKeys' | 'revokeApiKey' | 'getCaller'> {
  return {
    createApiKey: unary('CreateApiKey', deps, async (request, call) => {
      const scopes = request.scopes.map((scope) => SCOPES.nameOf(scope) ?? invalidScope(scope));
      const { row, secret } = await createApiKey(deps.db, { name: request.name, scopes, meterGrants: request.meterGrants, expiresAt: request.expireTime });
      callLogger(deps.logger, call).info({ audit: true, created: row.name, scopes: row.scopes, meterGrants: row.meter_grants }, 'API key created');
      return { key: toApiKey(row), secret };
    }),
    listApiKeys: unary('ListApiKeys', deps, async () => ({ keys: (await listApiKeys(deps.db)).map(toApiKey) })),
    revokeApiKey: unary('RevokeApiKey', deps, async (request, call) => {
      const row = await revokeApiKeyNamed(deps.db, request.name);
      deps.onRevoked(row.key_id);
      callLogger(deps.logger, call).info({ audit: true, revoked: row.name }, 'API key revoked');
      return { key: toApiKey(row) };
    }),
    getCaller: unary('GetCaller', deps, (_request, call) => {
      const caller = callerOf(call);
      return Promise.resolve({
        authMode: deps.authMode === 'keys' || caller.keyName !== 'anonymous' ? AuthMode.AUTH_MODE_KEYS : AuthMode.AUTH_MODE_OFF,
        keyName: caller.keyName,
        scopes: [...caller.scopes].map((scope) => SCOPES.values[scope]),
        meterGrants: [...caller.grants.patterns],
      });
    }),
  };
}

function invalidScope(scope: number): never {
  throw new InvalidArgumentError('scopes', `must each be ${SCOPES.memberChoices}, got ${scope}`);
}

export function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    name: row.name,
    scopes: row.scopes.map((scope) => SCOPES.values[scope as ScopeName]),
    meterGrants: row.meter_grants,
    expireTime: row.expires_at ?? undefined,
    createTime: row.created_at,
    lastUseTime: row.last_used_at ?? undefined,
    revokeTime: row.revoked_at ?? undefined,
  };
}
