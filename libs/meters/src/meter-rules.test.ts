import { isMeterId, UNIT_PATTERN } from './meter-rules';

describe('meter rules', () => {
  it('accept meter ids of 1 to 64 letters, digits and . _ : -', () => {
    expect(['m', 'site-3:main', 'a.b_c', 'x'.repeat(64)].map(isMeterId)).toEqual([true, true, true, true]);
    expect(['', 'a b', 'x'.repeat(65), 'ü', 'a/b'].map(isMeterId)).toEqual([false, false, false, false, false]);
  });

  it('accept units such as kWh and m³ up to 16 characters', () => {
    expect(['kWh', 'm³', '%', 'kvar/h'].map((unit) => UNIT_PATTERN.test(unit))).toEqual([true, true, true, true]);
    expect(['', 'k Wh', 'x'.repeat(17)].map((unit) => UNIT_PATTERN.test(unit))).toEqual([false, false, false]);
  });
});
