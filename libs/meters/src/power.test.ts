import { powerFactor, powerUnitOf } from './power';

describe('powerUnitOf', () => {
  it('gives the power unit of an energy unit and nothing for other units', () => {
    expect([powerUnitOf('Wh'), powerUnitOf('kWh'), powerUnitOf('MWh')]).toEqual(['W', 'kW', 'MW']);
    for (const unit of ['m³', 'kW', 'kwh', 'toString', '__proto__', '%']) expect(powerUnitOf(unit)).toBeUndefined();
  });
});

describe('powerFactor', () => {
  it('turns an interval energy into average power over the interval', () => {
    expect(1 * powerFactor(900)).toBe(4);
    expect(3 * powerFactor(3600)).toBe(3);
    expect(1 * powerFactor(300)).toBe(12);
  });
});
