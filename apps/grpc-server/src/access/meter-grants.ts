import { isMeterId, METER_ID_RULE, SCOPES, type ScopeName } from '@meterusage/meters';

/** What a key may do: read, write, admin (the contract's Scope, in its order). */
export type { ScopeName };
export const SCOPE_NAMES: readonly ScopeName[] = SCOPES.names;

/** What a grant may be, in words: the end of every "not a meter grant" message. */
export const METER_GRANT_RULE = `a meter id (${METER_ID_RULE}), such an id's prefix followed by "*" (e.g. "site-12-*"), or "*" for every meter`;

/** Whether text is a grant: "*", a meter id, or a prefix of one followed by "*". */
export function isMeterGrant(text: string): boolean {
  if (text === '*') return true;
  return text.endsWith('*') ? text.length <= 65 && isMeterId(text.slice(0, -1)) : isMeterId(text);
}

/** The meters a key may read or write: exact ids and prefix patterns. */
export class MeterGrants {
  private readonly exact: ReadonlySet<string>;
  private readonly prefixes: readonly string[];
  readonly all: boolean;

  constructor(readonly patterns: readonly string[]) {
    this.all = patterns.includes('*');
    this.exact = new Set(patterns.filter((pattern) => !pattern.endsWith('*')));
    this.prefixes = patterns.filter((pattern) => pattern.endsWith('*') && pattern !== '*').map((pattern) => pattern.slice(0, -1));
  }

  /** The grants as exact ids and id prefixes, for queries that test them in SQL. */
  get parts(): { all: boolean; exact: string[]; prefixes: string[] } {
    return { all: this.all, exact: [...this.exact], prefixes: [...this.prefixes] };
  }

  allows(meterId: string): boolean {
    return this.all || this.exact.has(meterId) || this.prefixes.some((prefix) => meterId.startsWith(prefix));
  }
}
