import type { EnvReader } from './env-reader';

/** keys: every call needs an API key; off: none is asked for. */
export type AuthModeName = 'keys' | 'off';

export interface AuthModeSetting {
  mode: AuthModeName;
  /** off although the app listens beyond loopback: set explicitly, and warned about at every start. */
  offBeyondLoopback: boolean;
}

/** Whether a listen address only takes connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

/**
 * AUTH_MODE: keys or off. Unset, it is off only for an app that listens on a loopback address
 * (the local default: no setup), else keys; off beyond loopback must be asked for explicitly.
 */
export function readAuthMode(reader: EnvReader, listenHost: string): AuthModeSetting {
  const explicit = reader.optionalString('AUTH_MODE');
  const loopback = isLoopbackHost(listenHost);
  if (explicit === undefined) return { mode: loopback ? 'off' : 'keys', offBeyondLoopback: false };
  if (explicit !== 'keys' && explicit !== 'off') {
    reader.problem(`AUTH_MODE must be keys or off, got "${explicit}"`);
    return { mode: 'keys', offBeyondLoopback: false };
  }
  return { mode: explicit, offBeyondLoopback: explicit === 'off' && !loopback };
}
