import { ConflictPolicy, IngestMode, Scope, TimeLabel } from '@meterusage/contracts';
import type { TimeLabelName } from './meter-rules';

/** The lower-case option names of an enum's members with `prefix`, its UNSPECIFIED zero left out. */
type OptionNameOf<E, P extends string> = {
  [K in keyof E]: K extends `${P}UNSPECIFIED` ? never : K extends `${P}${infer Suffix}` ? Lowercase<Suffix> : never;
}[keyof E];

/** The user-facing names (CLI flags, HTTP query values) of a contract enum, derived from its member names. */
export interface EnumOptions<Name extends string, Value extends number> {
  /** Option name → enum value: `update` → CONFLICT_POLICY_UPDATE. */
  readonly values: Readonly<Record<Name, Value>>;
  /** The option names in enum order. */
  readonly names: readonly Name[];
  /** The enum value of an option name; undefined for any other string (a flag's or query value's check). */
  valueNamed(name: string): Value | undefined;
  /** The option name of an enum value; undefined for the UNSPECIFIED zero and for values the enum does not have. */
  nameOf(value: number): Name | undefined;
  /** The option a message field asks for: `whenUnspecified` for the UNSPECIFIED zero, null for a number the enum lacks. */
  fromField<Fallback>(value: number, whenUnspecified: Fallback): Name | Fallback | null;
  /** The names for a message: "update, skip or reject". */
  readonly choices: string;
  /** The enum members for a message: "CONFLICT_POLICY_UPDATE, _SKIP or _REJECT", "TIME_LABEL_START or TIME_LABEL_END". */
  readonly memberChoices: string;
}

/** The options of a generated enum whose members share `prefix` (CONFLICT_POLICY_UPDATE → update). */
export function enumOptions<E extends object, P extends string>(
  enumObject: E,
  prefix: P,
): EnumOptions<OptionNameOf<E, P> & string, Extract<E[keyof E], number>> {
  type Name = OptionNameOf<E, P> & string;
  type Value = Extract<E[keyof E], number>;
  // The member names decide the option names: the casts state what the loop establishes.
  const entries: Array<[name: Name, value: Value, suffix: string]> = [];
  for (const [member, value] of Object.entries(enumObject)) {
    if (typeof value !== 'number' || !member.startsWith(prefix) || member === `${prefix}UNSPECIFIED`) continue;
    const suffix = member.slice(prefix.length);
    entries.push([suffix.toLowerCase() as unknown as Name, value as Value, suffix]);
  }
  const names = Object.freeze(entries.map(([name]) => name));
  const byName = new Map<string, Value>(entries.map(([name, value]) => [name, value]));
  const byValue = new Map<number, Name>(entries.map(([name, value]) => [value, name]));
  return Object.freeze({
    values: Object.freeze(Object.fromEntries(entries.map(([name, value]) => [name, value]))) as Readonly<Record<Name, Value>>,
    names,
    valueNamed: (name: string) => byName.get(name),
    nameOf: (value: number) => byValue.get(value),
    fromField: <Fallback>(value: number, whenUnspecified: Fallback) => (value === 0 ? whenUnspecified : (byValue.get(value) ?? null)),
    choices: alternatives(names),
    // Two members in full; from three on the later ones shortened to their suffix (_SKIP).
    memberChoices: alternatives(entries.map(([, , suffix], index) => (index === 0 || entries.length < 3 ? `${prefix}${suffix}` : `_${suffix}`))),
  });
}

/** "a, b or c". */
function alternatives(words: readonly string[]): string {
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

/** on_conflict / --on-conflict: what a row whose interval is stored with another value does. */
export const CONFLICT_POLICIES = enumOptions(ConflictPolicy, 'CONFLICT_POLICY_');
export type ConflictPolicyName = (typeof CONFLICT_POLICIES.names)[number];
/** The policy of an upload that states none (the contract's CONFLICT_POLICY_UNSPECIFIED). */
export const DEFAULT_CONFLICT_POLICY: ConflictPolicyName = 'update';

/** mode / --mode: whether one rejected row stops the whole upload. */
export const INGEST_MODES = enumOptions(IngestMode, 'INGEST_MODE_');
export type IngestModeName = (typeof INGEST_MODES.names)[number];
/** The mode of an upload that states none (the contract's INGEST_MODE_UNSPECIFIED). */
export const DEFAULT_INGEST_MODE: IngestModeName = 'atomic';

/** time_label / --time-label: which end of its interval a time names (unstated: each meter's own). */
export const TIME_LABELS: EnumOptions<TimeLabelName, TimeLabel> = enumOptions(TimeLabel, 'TIME_LABEL_');

/** The scopes of an API key: read, write, admin (the contract's Scope). */
export const SCOPES = enumOptions(Scope, 'SCOPE_');
export type ScopeName = (typeof SCOPES.names)[number];
