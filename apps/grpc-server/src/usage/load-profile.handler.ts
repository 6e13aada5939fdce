import { BucketWidth, DayGroup, type GetLoadProfileRequest, type MeterUsageServiceServer, type ProfileSlot } from '@meterusage/contracts';
import { InvalidArgumentError } from '../errors';
import { timeZoneOf } from '../grpc/request-fields';
import { unary } from '../grpc/unary';
import { requireMeter } from '../meters/require-meter';
import { requestedAsOf, requestedRange, resolveRange } from '../meters/resolve-range';
import { expectedIntervals } from './intervals';
import { loadProfile, type DayGroupName, type ProfileSlotRow } from './load-profile.repository';
import type { UsageHandlerDeps } from './usage.handler';

const SLOT_MINUTES: Partial<Record<BucketWidth, { name: string; minutes: number }>> = {
  [BucketWidth.BUCKET_WIDTH_15_MINUTES]: { name: '15 minutes', minutes: 15 },
  [BucketWidth.BUCKET_WIDTH_HOUR]: { name: 'an hour', minutes: 60 },
};

const DAY_GROUPS: Record<DayGroup, DayGroupName | undefined> = {
  [DayGroup.DAY_GROUP_UNSPECIFIED]: 'all',
  [DayGroup.DAY_GROUP_ALL]: 'all',
  [DayGroup.DAY_GROUP_WEEKDAY]: 'weekday',
  [DayGroup.DAY_GROUP_WEEKEND]: 'weekend',
  [DayGroup.UNRECOGNIZED]: undefined,
};

/**
 * Most meter intervals one profile reads: 28 years of 15-minute intervals. Every interval of the
 * range is placed on the clock (never-received ones too), so the work is the range's length, not
 * the readings stored in it.
 */
export const MAX_PROFILE_INTERVALS = 1_000_000;

/** GetLoadProfile. */
export function createLoadProfileHandler(deps: Omit<UsageHandlerDeps, 'database' | 'usageAdmission'>): Pick<MeterUsageServiceServer, 'getLoadProfile'> {
  const { db } = deps;
  return {
    getLoadProfile: unary('GetLoadProfile', deps, async (request: GetLoadProfileRequest) => {
      const slot = SLOT_MINUTES[request.slotWidth];
      if (slot === undefined) throw new InvalidArgumentError('slot_width', 'must be BUCKET_WIDTH_15_MINUTES or BUCKET_WIDTH_HOUR');
      const dayGroup = DAY_GROUPS[request.dayGroup] ?? invalidDayGroup();
      const timeZone = timeZoneOf(request.timeZone);
      requestedRange(request.startTime, request.endTime);
      const asOfMs = requestedAsOf(request.asOf);
      const meter = await requireMeter(db, request.meterId, deps.defaultMeterId);
      if ((slot.minutes * 60) % meter.interval_seconds !== 0) {
        throw new InvalidArgumentError(
          'slot_width',
          `a slot of ${slot.name} is not a whole number of meter "${meter.meter_id}"'s ${meter.interval_seconds}-second intervals`,
        );
      }
      const range = await resolveRange(db, meter, request.startTime, request.endTime, asOfMs);
      const base = { meterId: meter.meter_id, unit: meter.unit, timeZone, dataVersion: Number(meter.data_version) };
      if (range === undefined) return { ...base, startTime: request.startTime, endTime: request.endTime, slots: profileSlots(slot.minutes, []) };
      const intervals = expectedIntervals(range.startMs, range.endMs, meter.interval_seconds * 1000);
      if (intervals > MAX_PROFILE_INTERVALS) {
        throw new InvalidArgumentError(
          'start_time',
          `the range holds ${intervals} of the meter's intervals; a load profile reads at most ${MAX_PROFILE_INTERVALS}: shorten the range`,
        );
      }
      const rows = await loadProfile(db, {
        meterId: meter.meter_id,
        ...range,
        asOfMs,
        timeZone,
        slotMinutes: slot.minutes,
        dayGroup,
        intervalSeconds: meter.interval_seconds,
      });
      return { ...base, startTime: new Date(range.startMs), endTime: new Date(range.endMs), slots: profileSlots(slot.minutes, rows) };
    }),
  };
}

function invalidDayGroup(): never {
  throw new InvalidArgumentError('day_group', 'must be DAY_GROUP_ALL, DAY_GROUP_WEEKDAY or DAY_GROUP_WEEKEND (or unspecified: all)');
}

/** Every slot of the day in clock order, those without an occurrence in the range empty. */
export function profileSlots(slotMinutes: number, rows: readonly ProfileSlotRow[]): ProfileSlot[] {
  const byStart = new Map(rows.map((row) => [row.start_minute, row]));
  const slots: ProfileSlot[] = [];
  for (let start = 0; start < 1440; start += slotMinutes) {
    const row = byStart.get(start);
    slots.push({
      startMinute: start,
      endMinute: start + slotMinutes,
      count: row?.count ?? 0,
      incompleteCount: row?.incomplete_count ?? 0,
      mean: row?.mean ?? undefined,
      min: row?.min ?? undefined,
      max: row?.max ?? undefined,
      p10: row?.p10 ?? undefined,
      p90: row?.p90 ?? undefined,
    });
  }
  return slots;
}
