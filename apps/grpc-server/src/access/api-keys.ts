import type { DatabaseHandle } from '../db/connection';
import { InvalidArgumentError, NotFoundError, quoted, SettingConflictError } from '../errors';
import { insertApiKey, listApiKeys, revokeApiKey, type ApiKeyRow } from './api-keys.repository';
import { hashSecret, newSalt, newSecret, SCRYPT_COST } from './key-secret';
import { isMeterGrant, METER_GRANT_RULE, SCOPE_NAMES, type ScopeName } from './meter-grants';

// Creating, listing and revoking keys: the one implementation behind the admin RPCs and the keys CLI.

const KEY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const KEY_NAME_RULE = "1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit";
/** Most grants one key may list. */
const MAX_GRANTS = 1000;

export interface ApiKeySpec {
  name: string;
  scopes: readonly string[];
  meterGrants: readonly string[];
  expiresAt: Date | undefined;
}

/** A key as created: its row and its secret, which exists nowhere else from now on. */
export interface CreatedApiKey {
  row: ApiKeyRow;
  secret: string;
}

/** Validates spec (every problem at once, by field) and stores the key with a new secret. */
export async function createApiKey(db: DatabaseHandle['db'], spec: ApiKeySpec, nowMs = Date.now()): Promise<CreatedApiKey> {
  const scopes = [...new Set(spec.scopes)].sort((a, b) => SCOPE_NAMES.indexOf(a as ScopeName) - SCOPE_NAMES.indexOf(b as ScopeName));
  const grants = [...new Set(spec.meterGrants)];
  const violations: Array<{ field: string; description: string }> = [];
  if (!KEY_NAME_PATTERN.test(spec.name)) violations.push({ field: 'name', description: `must be ${KEY_NAME_RULE}, got ${quoted(spec.name)}` });
  const unknownScope = scopes.find((scope) => !SCOPE_NAMES.includes(scope as ScopeName));
  if (scopes.length === 0) violations.push({ field: 'scopes', description: `must list at least one of ${SCOPE_NAMES.join(', ')}` });
  else if (unknownScope !== undefined)
    violations.push({ field: 'scopes', description: `must each be one of ${SCOPE_NAMES.join(', ')}, got ${quoted(unknownScope)}` });
  const badGrant = grants.find((grant) => !isMeterGrant(grant));
  if (badGrant !== undefined) violations.push({ field: 'meter_grants', description: `must each be ${METER_GRANT_RULE}, got ${quoted(badGrant)}` });
  else if (grants.length > MAX_GRANTS) violations.push({ field: 'meter_grants', description: `must list at most ${MAX_GRANTS} grants, got ${grants.length}` });
  else if (grants.length === 0 && (scopes.includes('read') || scopes.includes('write'))) {
    violations.push({ field: 'meter_grants', description: 'must list at least one grant for a key with the read or write scope ("*" for every meter)' });
  }
  if (spec.expiresAt !== undefined && !(spec.expiresAt.getTime() > nowMs)) {
    violations.push({
      field: 'expire_time',
      description: `must be in the future, got ${Number.isNaN(spec.expiresAt.getTime()) ? 'an invalid time' : spec.expiresAt.toISOString()}`,
    });
  }
  if (violations.length > 0) throw new InvalidArgumentError(violations);

  const { keyId, secret } = newSecret();
  const salt = newSalt();
  const row = await insertApiKey(db, {
    name: spec.name,
    keyId,
    secretHash: await hashSecret(secret, salt, SCRYPT_COST),
    salt,
    scryptCost: SCRYPT_COST,
    scopes: scopes as ScopeName[],
    meterGrants: grants,
    expiresAt: spec.expiresAt ?? null,
  });
  if (row === undefined)
    throw new SettingConflictError('name', `a key named ${quoted(spec.name)} exists (or existed: names of revoked keys are not given again)`);
  return { row, secret };
}

export { listApiKeys };

/** Revokes the named key; INVALID_ARGUMENT for text no key can be named (before it reaches SQL, which refuses a NUL as a 500), NOT_FOUND when no key has the name. */
export async function revokeApiKeyNamed(db: DatabaseHandle['db'], name: string): Promise<ApiKeyRow> {
  if (!KEY_NAME_PATTERN.test(name)) throw new InvalidArgumentError('name', `must be ${KEY_NAME_RULE}, got ${quoted(name)}`);
  return (await revokeApiKey(db, name)) ?? notFound(name);
}

function notFound(name: string): never {
  throw new NotFoundError('API key', name);
}
