import { readFileSync } from 'node:fs';
import { METER_ID_RULE, isMeterId } from '@meterusage/meters';
import { isValidTimeZone } from '@meterusage/time';

/** Log levels accepted by LOG_LEVEL, as pino names them. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type Env = Record<string, string | undefined>;

/** Thrown when the environment is invalid; lists every problem, one per line. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Collects every problem instead of stopping at the first, so one start shows them all. */
export class EnvReader {
  private readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  problem(message: string): void {
    this.problems.push(message);
  }

  throwIfInvalid(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }

  optionalString(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  string(name: string, fallback: string): string {
    return this.optionalString(name) ?? fallback;
  }

  integer(name: string, fallback: number, range: { min: number; max: number }): number {
    const raw = this.optionalString(name);
    if (raw === undefined) return fallback;
    if (!/^-?\d+$/.test(raw) || Number(raw) < range.min || Number(raw) > range.max) {
      this.problem(`${name} must be an integer from ${range.min} to ${range.max}, got "${raw}"`);
      return fallback;
    }
    return Number(raw);
  }

  port(name: string, fallback: number, options: { allowZero?: boolean } = {}): number {
    return this.integer(name, fallback, { min: options.allowZero ? 0 : 1, max: 65535 });
  }

  oneOf<T extends string>(name: string, accepted: readonly T[], fallback: T): T {
    const raw = this.optionalString(name);
    if (raw === undefined) return fallback;
    if (!(accepted as readonly string[]).includes(raw)) {
      this.problem(`${name} must be one of ${accepted.join(', ')}, got "${raw}"`);
      return fallback;
    }
    return raw as T;
  }

  timeZone(name: string, fallback: string): string {
    const raw = this.optionalString(name);
    if (raw === undefined) return fallback;
    if (isValidTimeZone(raw)) return raw;
    this.problem(`${name} must be an IANA time zone such as UTC or Europe/Amsterdam, got "${raw}"`);
    return fallback;
  }

  /** The contents of the file a variable names (certificates, keys); undefined when unset. */
  optionalFile(name: string): Buffer | undefined {
    const filePath = this.optionalString(name);
    if (filePath === undefined) return undefined;
    try {
      return readFileSync(filePath);
    } catch (error) {
      this.problem(`${name} names a file that cannot be read: ${filePath} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      return undefined;
    }
  }

  meterId(name: string, fallback: string): string {
    const raw = this.string(name, fallback);
    if (!isMeterId(raw)) {
      this.problem(`${name} must be ${METER_ID_RULE}, got "${raw}"`);
      return fallback;
    }
    return raw;
  }
}

/**
 * Runs a config loader at process start; on a ConfigError prints every problem and exits with
 * status 2 (a usage error), so a misconfigured service never half-starts.
 */
export function loadConfigOrExit<T>(appName: string, load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`${appName}: ${error.message}`);
    process.exit(2);
  }
}
