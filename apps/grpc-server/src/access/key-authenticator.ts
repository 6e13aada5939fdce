import type { DatabaseHandle } from '../db/connection';
import { UnauthenticatedError } from '../errors';
import type { Logger } from '../logger';
import { findApiKey, recordApiKeyUse, type ApiKeyRow } from './api-keys.repository';
import type { Caller } from './caller';
import { bearerCredential, hashSecret, keyIdOf, sameBytes, secretDigest } from './key-secret';
import { MeterGrants, type ScopeName } from './meter-grants';

/** The legacy INGEST_TOKEN as a key: write to every meter (kept for one release). */
export const LEGACY_INGEST_TOKEN_KEY = 'ingest-token';

/** last_used_at is written at most this often per key and server. */
const LAST_USE_EVERY_MS = 60_000;
/** Most keys (and unknown key ids) remembered; past it the oldest is forgotten. */
const MAX_REMEMBERED = 10_000;

interface Remembered {
  row: ApiKeyRow | undefined;
  readAtMs: number;
  /** SHA-256 of the secret that passed scrypt against row.secret_hash. */
  verifiedDigest?: Buffer;
  verifiedHash?: Buffer;
  lastUseWrittenAtMs?: number;
  /** The caller the row describes, built once per read of the row rather than per call. */
  caller?: Caller;
}

export interface KeyAuthenticatorOptions {
  /** How long a key's row is used before it is read again: the longest a revocation takes to reach this server (AUTH_KEY_CACHE_MS). */
  cacheMs: number;
  /** INGEST_TOKEN: also accepted, as a write key for every meter. */
  legacyIngestToken?: string;
  logger: Logger;
  now?: () => number;
}

/**
 * Finds the caller of an "authorization" value. A key's row is read from the database at most
 * once per cacheMs (revocation, expiry and grant changes reach every server within that time),
 * and its secret goes through scrypt once per server: after that, the secret's SHA-256 is
 * compared (in constant time) with the one that passed.
 */
export class KeyAuthenticator {
  private readonly remembered = new Map<string, Remembered>();
  private readonly reading = new Map<string, Promise<Remembered>>();
  private readonly now: () => number;
  private readonly legacyDigest: Buffer | undefined;

  constructor(
    private readonly db: DatabaseHandle['db'],
    private readonly options: KeyAuthenticatorOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.legacyDigest = options.legacyIngestToken === undefined ? undefined : secretDigest(options.legacyIngestToken);
  }

  /** The caller, or UnauthenticatedError saying what is wrong with the credential. */
  async authenticate(authorization: string | undefined): Promise<Caller> {
    const secret = bearerCredential(authorization);
    if (secret === undefined) throw new UnauthenticatedError('missing');
    if (secret === null) throw new UnauthenticatedError('malformed');
    const digest = secretDigest(secret);
    if (this.legacyDigest !== undefined && sameBytes(digest, this.legacyDigest)) return LEGACY_CALLER;
    const keyId = keyIdOf(secret);
    if (keyId === undefined) throw new UnauthenticatedError('malformed');
    const entry = await this.entryOf(keyId);
    const row = entry.row;
    if (row === undefined) throw new UnauthenticatedError('unknown');
    if (!(entry.verifiedDigest !== undefined && entry.verifiedHash === row.secret_hash && sameBytes(digest, entry.verifiedDigest))) {
      const hash = await hashSecret(secret, row.salt, row.scrypt_cost);
      if (!sameBytes(hash, row.secret_hash)) throw new UnauthenticatedError('unknown');
      entry.verifiedDigest = digest;
      entry.verifiedHash = row.secret_hash;
    }
    // Only the secret's holder learns that its key was revoked or has expired.
    if (row.revoked_at !== null) throw new UnauthenticatedError('revoked');
    if (row.expires_at !== null && row.expires_at.getTime() <= this.now()) throw new UnauthenticatedError('expired');
    this.noteUse(keyId, entry);
    entry.caller ??= callerOfRow(row);
    return entry.caller;
  }

  /** Forgets what this server remembers of a key (revoked here: refused here at once, elsewhere within cacheMs). */
  forget(keyId: string): void {
    this.remembered.delete(keyId);
  }

  /** The remembered row of a key id, read again once older than cacheMs (one read at a time per key id). */
  private async entryOf(keyId: string): Promise<Remembered> {
    const kept = this.remembered.get(keyId);
    if (kept !== undefined && this.now() - kept.readAtMs < this.options.cacheMs) return kept;
    const pending = this.reading.get(keyId);
    if (pending !== undefined) return pending;
    const read = findApiKey(this.db, keyId)
      .then((row) => {
        // A row with the same hash keeps what was verified against it.
        const entry: Remembered = { row, readAtMs: this.now() };
        if (kept?.row !== undefined && row !== undefined && sameBytes(kept.row.secret_hash, row.secret_hash)) {
          entry.verifiedDigest = kept.verifiedDigest;
          entry.verifiedHash = row.secret_hash;
          entry.lastUseWrittenAtMs = kept.lastUseWrittenAtMs;
        }
        this.remember(keyId, entry);
        return entry;
      })
      .finally(() => this.reading.delete(keyId));
    this.reading.set(keyId, read);
    return read;
  }

  private remember(keyId: string, entry: Remembered): void {
    this.remembered.delete(keyId);
    this.remembered.set(keyId, entry);
    if (this.remembered.size > MAX_REMEMBERED) this.remembered.delete(this.remembered.keys().next().value!);
  }

  private noteUse(keyId: string, entry: Remembered): void {
    const nowMs = this.now();
    if (entry.lastUseWrittenAtMs !== undefined && nowMs - entry.lastUseWrittenAtMs < LAST_USE_EVERY_MS) return;
    entry.lastUseWrittenAtMs = nowMs;
    recordApiKeyUse(this.db, keyId).catch((error: unknown) => this.options.logger.warn({ err: error }, 'could not record the use of an API key'));
  }
}

const LEGACY_CALLER: Caller = Object.freeze({ keyName: LEGACY_INGEST_TOKEN_KEY, scopes: new Set<ScopeName>(['write']), grants: new MeterGrants(['*']) });

function callerOfRow(row: ApiKeyRow): Caller {
  return { keyName: row.name, scopes: new Set(row.scopes as ScopeName[]), grants: new MeterGrants(row.meter_grants) };
}
