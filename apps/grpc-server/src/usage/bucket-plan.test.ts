import { planBuckets } from './bucket-plan';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const show = (plan: ReturnType<typeof planBuckets>) => ({
  range: [iso(plan.range.startMs), iso(plan.range.endMs)],
  buckets: Array.from({ length: plan.count }, (_, index) => [iso(plan.boundsMs[index]!), iso(plan.boundsMs[index + 1]!), plan.isClipped(index)]),
});

describe('planBuckets', () => {
  const data = { startMs: at('2019-01-01T00:00:00Z'), endMs: at('2019-01-02T12:00:00Z') };

  it('snaps omitted bounds outward to whole buckets, none clipped', () => {
    expect(show(planBuckets(data, { start: false, end: false }, 'day', 'Europe/Amsterdam'))).toEqual({
      range: ['2018-12-31T23:00:00.000Z', '2019-01-02T23:00:00.000Z'],
      buckets: [
        ['2018-12-31T23:00:00.000Z', '2019-01-01T23:00:00.000Z', false],
        ['2019-01-01T23:00:00.000Z', '2019-01-02T23:00:00.000Z', false],
      ],
    });
  });

  it('keeps explicit bounds and marks the buckets they cut', () => {
    expect(show(planBuckets(data, { start: true, end: false }, 'day', 'Europe/Amsterdam'))).toEqual({
      range: ['2019-01-01T00:00:00.000Z', '2019-01-02T23:00:00.000Z'],
      buckets: [
        ['2018-12-31T23:00:00.000Z', '2019-01-01T23:00:00.000Z', true],
        ['2019-01-01T23:00:00.000Z', '2019-01-02T23:00:00.000Z', false],
      ],
    });
  });

  it('clamps buckets reaching outside years 1–9999 and marks them clipped, even with snapped bounds', () => {
    // Amsterdam's local mean time in year 1 is +00:17:30: its first local month starts in year 0.
    const first = planBuckets(
      { startMs: at('0001-01-01T00:00:00Z'), endMs: at('0001-01-01T06:00:00Z') },
      { start: false, end: false },
      'month',
      'Europe/Amsterdam',
    );
    expect(show(first)).toEqual({
      range: ['0001-01-01T00:00:00.000Z', '0001-01-31T23:42:30.000Z'],
      buckets: [['0001-01-01T00:00:00.000Z', '0001-01-31T23:42:30.000Z', true]],
    });
    const last = planBuckets(
      { startMs: at('9999-12-31T12:00:00Z'), endMs: at('9999-12-31T23:45:00Z') },
      { start: false, end: false },
      'day',
      'Pacific/Kiritimati',
    );
    expect(show(last)).toEqual({
      range: ['9999-12-31T10:00:00.000Z', '9999-12-31T23:59:59.999Z'],
      buckets: [['9999-12-31T10:00:00.000Z', '9999-12-31T23:59:59.999Z', true]],
    });
  });

  it('refuses more than MAX_BUCKETS buckets', () => {
    expect(() => planBuckets({ startMs: at('2000-01-01T00:00:00Z'), endMs: at('2003-01-01T00:00:00Z') }, { start: true, end: true }, '15m', 'UTC')).toThrow(
      /more than 100000/,
    );
  });
});
