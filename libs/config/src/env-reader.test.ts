import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, EnvReader } from './env-reader';

describe('EnvReader', () => {
  it('returns defaults for unset and blank variables, and trims values', () => {
    const reader = new EnvReader({ BLANK: '   ', NAME: '  meter-7 ' });
    expect(reader.string('UNSET', 'fallback')).toBe('fallback');
    expect(reader.string('BLANK', 'fallback')).toBe('fallback');
    expect(reader.string('NAME', 'fallback')).toBe('meter-7');
    expect(reader.optionalString('BLANK')).toBeUndefined();
    expect(() => reader.throwIfInvalid()).not.toThrow();
  });

  it('accepts integers inside the range and rejects others with the range in the message', () => {
    const reader = new EnvReader({ OK: '42', LOW: '-1', FRACTION: '1.5', WORD: 'many' });
    expect(reader.integer('OK', 0, { min: 0, max: 100 })).toBe(42);
    reader.integer('LOW', 0, { min: 0, max: 100 });
    reader.integer('FRACTION', 0, { min: 0, max: 100 });
    reader.integer('WORD', 0, { min: 0, max: 100 });
    expect(() => reader.throwIfInvalid()).toThrow(
      new ConfigError([
        'LOW must be an integer from 0 to 100, got "-1"',
        'FRACTION must be an integer from 0 to 100, got "1.5"',
        'WORD must be an integer from 0 to 100, got "many"',
      ]),
    );
  });

  it('allows port 0 only where asked', () => {
    const reader = new EnvReader({ PORT: '0' });
    expect(reader.port('PORT', 80, { allowZero: true })).toBe(0);
    reader.port('PORT', 80);
    expect(() => reader.throwIfInvalid()).toThrow('PORT must be an integer from 1 to 65535, got "0"');
  });

  it('lists the accepted values of an enumeration', () => {
    const reader = new EnvReader({ MODE: 'fast' });
    expect(reader.oneOf('MODE', ['safe', 'quick'] as const, 'safe')).toBe('safe');
    expect(() => reader.throwIfInvalid()).toThrow('MODE must be one of safe, quick, got "fast"');
  });

  it('knows IANA time zones and meter ids', () => {
    const reader = new EnvReader({ TZ_OK: 'Europe/Amsterdam', TZ_BAD: 'Europe/Atlantis', METER_OK: 'site-3:main', METER_BAD: 'x'.repeat(65) });
    expect(reader.timeZone('TZ_OK', 'UTC')).toBe('Europe/Amsterdam');
    expect(reader.meterId('METER_OK', 'm')).toBe('site-3:main');
    reader.timeZone('TZ_BAD', 'UTC');
    reader.meterId('METER_BAD', 'm');
    try {
      reader.throwIfInvalid();
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect((error as ConfigError).problems).toHaveLength(2);
      expect((error as ConfigError).message).toMatch(/^invalid configuration:\n {2}- TZ_BAD must be an IANA time zone/);
    }
  });

  it('reads the files variables name, and names the variable and path of an unreadable one', () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'env-reader-'));
    const certificate = path.join(directory, 'server.pem');
    writeFileSync(certificate, 'PEM');
    const missing = path.join(directory, 'absent.pem');
    const reader = new EnvReader({ CERT: certificate, KEY: missing });
    expect(reader.optionalFile('CERT')?.toString()).toBe('PEM');
    expect(reader.optionalFile('UNSET')).toBeUndefined();
    expect(reader.optionalFile('KEY')).toBeUndefined();
    expect(() => reader.throwIfInvalid()).toThrow(`KEY names a file that cannot be read: ${missing} (ENOENT)`);
  });
});
