import fc from 'fast-check';
import { bearerCredential, hashSecret, keyIdOf, newSalt, newSecret, sameBytes } from './key-secret';

describe('API key secrets', () => {
  it('makes secrets that carry their key id, differ every time, and hash to the same bytes only for themselves', async () => {
    const first = newSecret();
    const second = newSecret();
    expect(keyIdOf(first.secret)).toBe(first.keyId);
    expect(first.secret).not.toBe(second.secret);
    const salt = newSalt();
    const hash = await hashSecret(first.secret, salt, 1024);
    expect(sameBytes(hash, await hashSecret(first.secret, salt, 1024))).toBe(true);
    expect(sameBytes(hash, await hashSecret(second.secret, salt, 1024))).toBe(false);
    expect(sameBytes(hash, await hashSecret(first.secret, newSalt(), 1024))).toBe(false);
  });

  it('reads "Bearer <credential>" with any case of the scheme, and nothing else (generated values)', () => {
    const credential = fc.stringMatching(/^[\x21-\x7e]{1,80}$/);
    fc.assert(
      fc.property(credential, fc.constantFrom('Bearer', 'bearer', 'BEARER', 'bEaReR'), fc.integer({ min: 1, max: 3 }), (value, scheme, spaces) => {
        expect(bearerCredential(`${scheme}${' '.repeat(spaces)}${value}`)).toBe(value);
      }),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (value) => {
        const parsed = bearerCredential(value);
        // Whatever it is given, a credential is only ever the visible text after "Bearer ".
        if (typeof parsed === 'string') expect(value.toLowerCase().startsWith('bearer ') && value.includes(parsed)).toBe(true);
        else expect(parsed === undefined ? value === '' : true).toBe(true);
      }),
    );
    expect(bearerCredential(undefined)).toBeUndefined();
    expect(bearerCredential('Basic dXNlcjpwYXNz')).toBeNull();
    expect(bearerCredential('Bearer')).toBeNull();
    expect(bearerCredential('Bearer a b')).toBeNull();
  });

  it('finds a key id only in text shaped exactly like a secret', () => {
    const { secret, keyId } = newSecret();
    expect(keyIdOf(secret)).toBe(keyId);
    expect(keyIdOf(`${secret}x`)).toBeUndefined();
    expect(keyIdOf(secret.replace('mu_', 'mx_'))).toBeUndefined();
    expect(keyIdOf(secret.toUpperCase())).toBeUndefined();
  });
});
