import { sql } from 'kysely';
import type { DatabaseHandle } from '../db/connection';
import type { ApiKeysTable } from '../db/schema';
import type { ScopeName } from './meter-grants';

type Db = DatabaseHandle['db'];

/** A key's row as the server reads it (created_at is always set once stored). */
export type ApiKeyRow = Omit<ApiKeysTable, 'created_at'> & { created_at: Date };

export interface NewApiKeyRow {
  name: string;
  keyId: string;
  secretHash: Buffer;
  salt: Buffer;
  scryptCost: number;
  scopes: readonly ScopeName[];
  meterGrants: readonly string[];
  expiresAt: Date | null;
}

/** Inserts a key; undefined when the name is taken (by a live or a revoked key). */
export async function insertApiKey(db: Db, key: NewApiKeyRow): Promise<ApiKeyRow | undefined> {
  return db
    .insertInto('api_keys')
    .values({
      name: key.name,
      key_id: key.keyId,
      secret_hash: key.secretHash,
      salt: key.salt,
      scrypt_cost: key.scryptCost,
      scopes: [...key.scopes],
      meter_grants: [...key.meterGrants],
      expires_at: key.expiresAt,
      last_used_at: null,
      revoked_at: null,
    })
    .onConflict((conflict) => conflict.column('name').doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** Every key, by name. */
export async function listApiKeys(db: Db): Promise<ApiKeyRow[]> {
  return db.selectFrom('api_keys').selectAll().orderBy('name').execute();
}

/** Revokes a key (the first revocation's time stays); undefined when no key has the name. */
export async function revokeApiKey(db: Db, name: string): Promise<ApiKeyRow | undefined> {
  return db
    .updateTable('api_keys')
    .set({ revoked_at: sql<Date>`coalesce(revoked_at, now())` })
    .where('name', '=', name)
    .returningAll()
    .executeTakeFirst();
}

/** The key a secret's key id names. */
export async function findApiKey(db: Db, keyId: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').selectAll().where('key_id', '=', keyId).executeTakeFirst();
}

/** Records that a key was used now. */
export async function recordApiKeyUse(db: Db, keyId: string): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({ last_used_at: sql<Date>`now()` })
    .where('key_id', '=', keyId)
    .execute();
}
