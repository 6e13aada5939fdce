import { instantOfWallClock, wallClockAt } from '@meterusage/time';
import type { StoredQuality } from '../db/schema';

// Estimation of gaps, pure: which intervals of a range have no value, and what each gets. Only
// values as received or edited by hand serve as a basis (an estimate is never estimated from).

/** A stored interval near or in the range: its value (null = missing) and quality. */
export interface StoredValue {
  usage: number | null;
  quality: StoredQuality;
}

export interface EstimationInput {
  /** Interval starts of the range, in order, on the meter's grid. */
  firstSlotMs: number;
  slotCount: number;
  stepMs: number;
  /** Stored intervals by start: those of the range and whatever the method looks at around it. */
  stored: ReadonlyMap<number, StoredValue>;
}

/** An estimate for one interval, as decimal text for numeric. */
export interface Estimate {
  startMs: number;
  usage: string;
}

export interface EstimationOutcome {
  /** Intervals of the range without a value (missing or never received). */
  gaps: number;
  estimates: Estimate[];
}

/** Decimal places of an estimate: well inside the 9 the value domain allows. */
const ESTIMATE_DECIMALS = 6;

const basis = (value: StoredValue | undefined): number | undefined =>
  value !== undefined && value.usage !== null && value.quality !== 'estimated' ? value.usage : undefined;
const isGap = (value: StoredValue | undefined): boolean => value === undefined || value.usage === null;

/** A non-negative estimate as decimal text with at most ESTIMATE_DECIMALS places, trailing zeros dropped. */
export function estimateText(value: number): string {
  const fixed = Math.max(0, value).toFixed(ESTIMATE_DECIMALS);
  return fixed.replace(/\.?0+$/, '') || '0';
}

/**
 * LINEAR: each run of gap intervals with an actual (or edited) value right before and right after
 * it, and at most maxGapIntervals long, is filled on the straight line between those two values:
 * interval k of n gets before + (after − before) · k / (n + 1). The neighbours may lie just outside
 * the range (the input must hold the interval before the first and after the last).
 */
export function linearEstimates(input: EstimationInput, maxGapIntervals: number): EstimationOutcome {
  const { firstSlotMs, slotCount, stepMs, stored } = input;
  const estimates: Estimate[] = [];
  let gaps = 0;
  let index = 0;
  while (index < slotCount) {
    if (!isGap(stored.get(firstSlotMs + index * stepMs))) {
      index += 1;
      continue;
    }
    const runStart = index;
    while (index < slotCount && isGap(stored.get(firstSlotMs + index * stepMs))) index += 1;
    const length = index - runStart;
    gaps += length;
    const before = basis(stored.get(firstSlotMs + (runStart - 1) * stepMs));
    const after = basis(stored.get(firstSlotMs + index * stepMs));
    if (before === undefined || after === undefined || length > maxGapIntervals) continue;
    for (let k = 1; k <= length; k += 1) {
      estimates.push({ startMs: firstSlotMs + (runStart + k - 1) * stepMs, usage: estimateText(before + ((after - before) * k) / (length + 1)) });
    }
  }
  return { gaps, estimates };
}

/**
 * PROFILE: each gap interval gets the mean of the actual (or edited) values at the same weekday and
 * local time of day in timeZone, 1 … weeks weeks earlier (the local time's instant by the system's
 * rule, instantOfWallClock; weeks whose interval there holds no basis value are left out). An
 * interval none of the weeks has a value for stays empty.
 */
export function profileEstimates(input: EstimationInput, timeZone: string, weeks: number): EstimationOutcome {
  const { firstSlotMs, slotCount, stepMs, stored } = input;
  const estimates: Estimate[] = [];
  let gaps = 0;
  const weekMs = 7 * 86_400_000;
  for (let index = 0; index < slotCount; index += 1) {
    const startMs = firstSlotMs + index * stepMs;
    if (!isGap(stored.get(startMs))) continue;
    gaps += 1;
    const wallClockMs = wallClockAt(startMs, timeZone);
    let sum = 0;
    let count = 0;
    for (let week = 1; week <= weeks; week += 1) {
      const value = basis(stored.get(instantOfWallClock(wallClockMs - week * weekMs, timeZone)));
      if (value === undefined) continue;
      sum += value;
      count += 1;
    }
    if (count > 0) estimates.push({ startMs, usage: estimateText(sum / count) });
  }
  return { gaps, estimates };
}
