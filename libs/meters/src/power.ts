// Power from energy readings. An energy meter's interval value is energy; divided by the
// interval's length it is the interval's average power, in the unit of the same prefix per hour:
// kWh per hour is kW. Other units (m³, %, …) have no power.

const POWER_UNITS: Readonly<Record<string, string>> = Object.freeze({ Wh: 'W', kWh: 'kW', MWh: 'MW' });

/** The power unit of an energy unit (kWh → kW, Wh → W, MWh → MW); undefined for any other unit. */
export function powerUnitOf(energyUnit: string): string | undefined {
  return Object.hasOwn(POWER_UNITS, energyUnit) ? POWER_UNITS[energyUnit] : undefined;
}

/** What an interval's energy is as average power: multiply by this (3600 / interval seconds; 4 for 15 minutes). */
export function powerFactor(intervalSeconds: number): number {
  return 3600 / intervalSeconds;
}
