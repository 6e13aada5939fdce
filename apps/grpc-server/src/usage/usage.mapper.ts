import type { Power, Reading, UsageBucketFields, UsageSummary } from '@meterusage/contracts';
import { powerFactor, powerUnitOf } from '@meterusage/meters';
import type { MeterRow } from '../meters/meters.repository';
import type { TimeRange } from '../meters/resolve-range';
import { toReading } from '../readings/readings.mapper';
import { expectedIntervals } from './intervals';
import type { BucketPlan } from './bucket-plan';
import type { BucketRow } from './bucket-rows';
import type { SummaryRow } from './usage.repository';

const orAbsent = (value: number | null): number | undefined => value ?? undefined;
const scaled = (value: number | null, factor: number | undefined): number | null => (value === null || factor === undefined ? value : value * factor);

/**
 * Bucket index of the plan and its aggregates (none when it holds no readings) as a UsageBucket;
 * expected_count counts the meter's intervals in the part of the bucket inside the range. With a
 * powerFactor (QUANTITY_POWER) the values are average power instead of energy.
 */
export function toUsageBucket(plan: BucketPlan, index: number, row: BucketRow | undefined, meter: MeterRow, powerFactor?: number): UsageBucketFields {
  const startMs = plan.boundsMs[index]!;
  const endMs = plan.boundsMs[index + 1]!;
  const insideStart = Math.max(startMs, plan.range.startMs);
  const insideEnd = Math.min(endMs, plan.range.endMs);
  return {
    startMs,
    endMs,
    // As power (powerFactor given): the mean interval power for sum and mean, the interval extremes for min and max.
    sum: orAbsent(powerFactor === undefined ? (row?.sum ?? null) : scaled(row?.mean ?? null, powerFactor)),
    mean: orAbsent(scaled(row?.mean ?? null, powerFactor)),
    min: orAbsent(scaled(row?.min ?? null, powerFactor)),
    max: orAbsent(scaled(row?.max ?? null, powerFactor)),
    presentCount: row?.present_count ?? 0,
    expectedCount: expectedIntervals(insideStart, insideEnd, meter.interval_seconds * 1000),
    clipped: plan.isClipped(index),
    estimatedCount: row?.estimated_count ?? 0,
    editedCount: row?.edited_count ?? 0,
  };
}

/** The summary row as UsageSummary; missing = expected − present, so holes count as missing too. */
export function toUsageSummary(row: SummaryRow | undefined, range: TimeRange | undefined, meter: MeterRow): UsageSummary {
  const expectedCount = range === undefined ? 0 : expectedIntervals(range.startMs, range.endMs, meter.interval_seconds * 1000);
  const presentCount = row?.present_count ?? 0;
  const reading = (which: 'peak' | 'minimum' | 'first' | 'last'): Reading | undefined => {
    const startMs = row?.[`${which}_start_ms`];
    if (row === undefined || startMs === null || startMs === undefined) return undefined;
    const record = { start_ms: startMs, usage: row[`${which}_usage`], quality: row[`${which}_quality`] ?? 'actual', upload_id: row[`${which}_upload_id`] };
    return toReading(record, meter);
  };
  const peak = reading('peak');
  return {
    total: orAbsent(row?.total ?? null),
    mean: orAbsent(row?.mean ?? null),
    peak,
    minimum: reading('minimum'),
    presentCount,
    missingCount: expectedCount - presentCount,
    expectedCount,
    firstReading: reading('first'),
    lastReading: reading('last'),
    estimatedCount: row?.estimated_count ?? 0,
    editedCount: row?.edited_count ?? 0,
    ...demandOf(meter, row?.peak_usage ?? null, peak, row?.p10_usage ?? null),
  };
}

/**
 * Peak demand (the peak interval's energy as average power over it) and base load (the 10th
 * percentile of the intervals' average power), for energy meters; nothing for other units.
 */
function demandOf(
  meter: MeterRow,
  peakUsage: number | null,
  peak: Reading | undefined,
  p10Usage: number | null,
): Pick<UsageSummary, 'peakDemand' | 'baseLoad'> {
  const unit = powerUnitOf(meter.unit);
  if (unit === undefined) return {};
  const factor = powerFactor(meter.interval_seconds);
  const power = (value: number, interval?: Pick<Reading, 'start' | 'end'>): Power => ({
    value: value * factor,
    unit,
    start: interval?.start,
    end: interval?.end,
  });
  return {
    peakDemand: peakUsage === null || peak === undefined ? undefined : power(peakUsage, peak),
    baseLoad: p10Usage === null ? undefined : power(p10Usage),
  };
}
