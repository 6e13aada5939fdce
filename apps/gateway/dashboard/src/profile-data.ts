// What the typical-day view makes of GET /api/profile's slots, kept apart from the DOM for tests.
import type { ProfileSlotBody } from './api';
import { formatUsage } from './format';

/** The mean of each hour as a chart value: null (a gap) where no day had the whole hour. */
export function profileMeans(slots: readonly ProfileSlotBody[]): Array<number | null> {
  return slots.map((slot) => (slot.count > 0 ? slot.mean : null));
}

/** "busiest 12:00–13:00 (1,091.7 kWh), quietest 03:00–04:00 (254.3 kWh)", or undefined without a complete hour. */
export function describeProfile(slots: readonly ProfileSlotBody[], unit: string): string | undefined {
  const counted = slots.filter((slot) => slot.count > 0 && slot.mean !== null);
  if (counted.length === 0) return undefined;
  const busiest = counted.reduce((best, slot) => (slot.mean! > best.mean! ? slot : best));
  const quietest = counted.reduce((best, slot) => (slot.mean! < best.mean! ? slot : best));
  return `busiest ${busiest.start}–${busiest.end} (${formatUsage(busiest.mean, unit)}), quietest ${quietest.start}–${quietest.end} (${formatUsage(quietest.mean, unit)})`;
}
