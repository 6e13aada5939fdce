import { ConflictPolicy, IngestMode, TimeLabel } from '@meterusage/contracts';
import { CONFLICT_POLICIES, INGEST_MODES, TIME_LABELS } from './enum-options';

describe('enum options', () => {
  it('name every member of an enum but its UNSPECIFIED zero, lower case, in enum order', () => {
    expect(CONFLICT_POLICIES.values).toEqual({
      update: ConflictPolicy.CONFLICT_POLICY_UPDATE,
      skip: ConflictPolicy.CONFLICT_POLICY_SKIP,
      reject: ConflictPolicy.CONFLICT_POLICY_REJECT,
    });
    expect(INGEST_MODES.names).toEqual(['atomic', 'partial']);
    expect(TIME_LABELS.values).toEqual({ start: TimeLabel.TIME_LABEL_START, end: TimeLabel.TIME_LABEL_END });
  });

  it('give the value of an option name, and none for another string', () => {
    expect(['skip', 'SKIP', 'constructor', ''].map((name) => CONFLICT_POLICIES.valueNamed(name))).toEqual([
      ConflictPolicy.CONFLICT_POLICY_SKIP,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('give the name of a value, and none for the zero, UNRECOGNIZED or a number the enum lacks', () => {
    expect(INGEST_MODES.nameOf(IngestMode.INGEST_MODE_PARTIAL)).toBe('partial');
    expect([IngestMode.INGEST_MODE_UNSPECIFIED, IngestMode.UNRECOGNIZED, 7].map((value) => INGEST_MODES.nameOf(value))).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('read a message field: the fallback for the zero, null for a number the enum lacks', () => {
    expect(CONFLICT_POLICIES.fromField(ConflictPolicy.CONFLICT_POLICY_SKIP, 'update')).toBe('skip');
    expect(CONFLICT_POLICIES.fromField(ConflictPolicy.CONFLICT_POLICY_UNSPECIFIED, 'update')).toBe('update');
    expect(TIME_LABELS.fromField(TimeLabel.TIME_LABEL_UNSPECIFIED, undefined)).toBeUndefined();
    expect([TimeLabel.UNRECOGNIZED, 3].map((value) => TIME_LABELS.fromField(value, undefined))).toEqual([null, null]);
  });

  it('list the choices for messages, as option names and as enum members', () => {
    expect(CONFLICT_POLICIES.choices).toBe('update, skip or reject');
    expect(CONFLICT_POLICIES.memberChoices).toBe('CONFLICT_POLICY_UPDATE, _SKIP or _REJECT');
    expect(TIME_LABELS.memberChoices).toBe('TIME_LABEL_START or TIME_LABEL_END');
  });
});
