import { MeterGrants, SCOPE_NAMES, type ScopeName } from './meter-grants';

/** Who a call comes from, as its credential says, and what it may do. */
export interface Caller {
  /** The key's name, for logs and audit ("anonymous" with AUTH_MODE=off). Never the secret. */
  readonly keyName: string;
  readonly scopes: ReadonlySet<ScopeName>;
  readonly grants: MeterGrants;
}

/** The caller of every call when no key is checked (AUTH_MODE=off): everything is allowed. */
export const ANONYMOUS: Caller = Object.freeze({ keyName: 'anonymous', scopes: new Set(SCOPE_NAMES), grants: new MeterGrants(['*']) });

// The caller of each call in progress, set by authorizeCalls before the handler runs.
const callers = new WeakMap<object, Caller>();

export function setCallerOf(call: object, caller: Caller): void {
  callers.set(call, caller);
}

// A call authorizeCalls did not see may do nothing: access fails closed.
const NOBODY: Caller = Object.freeze({ keyName: 'nobody', scopes: new Set<ScopeName>(), grants: new MeterGrants([]) });

/** The caller authorizeCalls found for a call. */
export function callerOf(call: object): Caller {
  return callers.get(call) ?? NOBODY;
}

/** The name of the key a call was authorized with, for its log lines; undefined before authorization. */
export function keyNameOf(call: object): string | undefined {
  return callers.get(call)?.keyName;
}
