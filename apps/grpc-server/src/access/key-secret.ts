import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

// An API key's secret: "mu_" + 16 hex digits that find the key's row + 32 random bytes
// (base64url). Only a scrypt hash of the whole secret is stored; the random part alone makes it
// unguessable (256 bits), and the slow hash makes a stolen table useless to anyone trying secrets.

const SECRET_PATTERN = /^mu_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/**
 * scrypt's cost N (r = 8, p = 1): 16 MiB and about 40 ms of one core per hash on this machine. A
 * server hashes a key's secret once and then remembers its SHA-256 (key-authenticator.ts), so the
 * cost is paid once per key and server, not per call. Stored with each hash, so it may change.
 */
export const SCRYPT_COST = 16_384;
const HASH_BYTES = 32;
const SALT_BYTES = 16;

export interface NewSecret {
  keyId: string;
  secret: string;
}

/** A fresh secret and the key id it carries. */
export function newSecret(): NewSecret {
  const keyId = randomBytes(8).toString('hex');
  return { keyId, secret: `mu_${keyId}_${randomBytes(32).toString('base64url')}` };
}

export function newSalt(): Buffer {
  return randomBytes(SALT_BYTES);
}

/** The key id a secret carries, or undefined when the text is not shaped like a secret. */
export function keyIdOf(secret: string): string | undefined {
  return SECRET_PATTERN.exec(secret)?.[1];
}

/** scrypt of the secret (in libuv's thread pool, not on the event loop). */
export function hashSecret(secret: string, salt: Buffer, cost: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, HASH_BYTES, { N: cost, r: 8, p: 1, maxmem: 256 * cost * 8 }, (error, hash) => (error ? reject(error) : resolve(hash)));
  });
}

/** Constant-time comparison of two hashes or digests. */
export function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** SHA-256 of a secret: what a server remembers of a secret it verified, to skip scrypt next time. */
export function secretDigest(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/**
 * The credential of an "authorization" value: "Bearer <secret>" (scheme case-insensitive, RFC
 * 6750). Undefined: no credential; null: a value that is not a bearer credential.
 */
export function bearerCredential(authorization: string | undefined): string | null | undefined {
  if (authorization === undefined || authorization === '') return undefined;
  const match = /^bearer +([\x21-\x7e]+) *$/i.exec(authorization);
  return match === null ? null : match[1]!;
}
