import fc from 'fast-check';
import { status } from '@grpc/grpc-js';
import { BucketWidth, DayGroup, GetLoadProfileRequest, MeterUsageServiceClient, type GetLoadProfileResponse } from '@meterusage/contracts';
import { openMigratedDatabase, type MigratedDatabase } from './support/database';
import { startTestGrpc, upload, type TestGrpc } from './support/grpc';

// GetLoadProfile against an independent computation: generated 15-minute series (values, NaN
// and never-received intervals) around DST changes of zones with 60- and 30-minute shifts and a
// 45-minute offset, profiled by a generated range, slot width and day group on a real server and
// PostgreSQL, must equal a profile computed here from Intl's local clock (not PostgreSQL's).

const STEP_MS = 900_000;
const ZONES = ['Europe/Amsterdam', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'UTC'] as const;
// Days around DST changes (and ordinary ones), as UTC midnights.
const DAYS = ['2021-03-27', '2021-10-30', '2021-03-13', '2021-11-06', '2021-04-03', '2021-10-02', '2022-06-15'].map((day) => Date.parse(`${day}T00:00:00Z`));

interface Series {
  firstMs: number;
  /** Per interval from firstMs: a value, 'NaN', or undefined (never received). */
  values: Array<string | undefined>;
}
const series: fc.Arbitrary<Series> = fc.record({
  firstMs: fc.constantFrom(...DAYS).chain((dayMs) => fc.integer({ min: -48, max: 48 }).map((steps) => dayMs + steps * STEP_MS)),
  values: fc.array(fc.option(fc.constantFrom('0.125', '1.5', '2', '3.75', '10', '0', 'NaN'), { nil: undefined, freq: 12 }), {
    minLength: 1,
    maxLength: 5 * 96,
  }),
});
const request = fc.record({
  zone: fc.constantFrom(...ZONES),
  slotMinutes: fc.constantFrom(15, 60),
  group: fc.constantFrom<'all' | 'weekday' | 'weekend'>('all', 'weekday', 'weekend'),
  // Range bounds as offsets from the series in 5-minute steps (cuts intervals and slots), or absent.
  from: fc.option(fc.integer({ min: -20, max: 300 }), { nil: undefined }),
  to: fc.option(fc.integer({ min: 0, max: 5 * 288 + 20 }), { nil: undefined }),
});

interface ModelSlot {
  count: number;
  incompleteCount: number;
  values: number[];
}

/** The local clock reading of an instant in a zone, from Intl. */
function localParts(ms: number, zone: string) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(new Date(ms));
  const part = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const localAsUtc = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'));
  return { dateMs: Date.UTC(part('year'), part('month') - 1, part('day')), minute: part('hour') * 60 + part('minute'), offsetMs: localAsUtc - ms };
}

function percentile(sorted: number[], p: number): number {
  const position = p * (sorted.length - 1);
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (position - low) * (sorted[high]! - sorted[low]!);
}

/** The profile as its definition says, from the series' intervals in [startMs, endMs). */
function modelProfile(s: Series, startMs: number, endMs: number, zone: string, slotMinutes: number, group: 'all' | 'weekday' | 'weekend') {
  const occurrences = new Map<string, { slot: number; present: number; usage: number }>();
  for (let t = Math.ceil(startMs / STEP_MS) * STEP_MS; t < endMs; t += STEP_MS) {
    const local = localParts(t, zone);
    const weekday = new Date(local.dateMs).getUTCDay();
    const weekend = weekday === 0 || weekday === 6;
    if ((group === 'weekday' && weekend) || (group === 'weekend' && !weekend)) continue;
    const slot = Math.floor(local.minute / slotMinutes) * slotMinutes;
    const key = `${local.dateMs}/${slot}/${local.offsetMs}`;
    const occurrence = occurrences.get(key) ?? { slot, present: 0, usage: 0 };
    occurrences.set(key, occurrence);
    const index = (t - s.firstMs) / STEP_MS;
    const value = index >= 0 && index < s.values.length ? s.values[index] : undefined;
    if (value !== undefined && value !== 'NaN') {
      occurrence.present += 1;
      occurrence.usage += Number(value);
    }
  }
  const slots = new Map<number, ModelSlot>();
  for (const occurrence of occurrences.values()) {
    const slot = slots.get(occurrence.slot) ?? { count: 0, incompleteCount: 0, values: [] };
    slots.set(occurrence.slot, slot);
    if (occurrence.present === slotMinutes / 15) {
      slot.count += 1;
      slot.values.push(occurrence.usage);
    } else slot.incompleteCount += 1;
  }
  return Array.from({ length: 1440 / slotMinutes }, (_, index) => {
    const start = index * slotMinutes;
    const slot = slots.get(start) ?? { count: 0, incompleteCount: 0, values: [] };
    const sorted = [...slot.values].sort((a, b) => a - b);
    const stats =
      sorted.length === 0
        ? { mean: undefined, min: undefined, max: undefined, p10: undefined, p90: undefined }
        : {
            mean: sorted.reduce((sum, value) => sum + value, 0) / sorted.length,
            min: sorted[0],
            max: sorted.at(-1),
            p10: percentile(sorted, 0.1),
            p90: percentile(sorted, 0.9),
          };
    return { startMinute: start, endMinute: start + slotMinutes, count: slot.count, incompleteCount: slot.incompleteCount, ...stats };
  });
}

/** Numbers compared to 1e-9 relative (PostgreSQL sums in numeric, then float8; the model in float64). */
function roundedSlots(slots: ReadonlyArray<Record<string, number | undefined>>) {
  const round = (value: number | undefined) => (value === undefined ? undefined : Number(value.toPrecision(10)));
  return slots.map((slot) => Object.fromEntries(Object.entries(slot).map(([key, value]) => [key, round(value)])));
}

describe('GetLoadProfile: a typical day per local time of day, against Intl', () => {
  let handle: MigratedDatabase;
  let grpc: TestGrpc;
  beforeAll(async () => {
    handle = await openMigratedDatabase('load-profile');
    grpc = await startTestGrpc(handle);
  }, 60_000);
  afterAll(async () => {
    await grpc?.close();
    await handle?.close();
  });

  const profile = (request: Partial<GetLoadProfileRequest>) =>
    grpc.call<GetLoadProfileRequest, GetLoadProfileResponse>(MeterUsageServiceClient.prototype.getLoadProfile, GetLoadProfileRequest.fromPartial(request));

  it('equals the profile computed from the definition, across DST days, zones, widths, groups and cut ranges', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(series, request, async (s, r) => {
        run += 1;
        const meterId = `profile-${run}`;
        const lines = s.values.flatMap((value, index) =>
          value === undefined ? [] : [`${new Date(s.firstMs + (index + 1) * STEP_MS).toISOString()},${value}`],
        );
        if (lines.length === 0) lines.push(`${new Date(s.firstMs + STEP_MS).toISOString()},NaN`);
        const loaded = await upload(grpc.client, `time,meterusage\n${lines.join('\n')}\n`, { meterId, unit: 'kWh' });
        expect(loaded.report?.committed).toBe(true);
        const storedFirstMs =
          s.firstMs + (s.values.findIndex((value) => value !== undefined) === -1 ? 0 : s.values.findIndex((value) => value !== undefined)) * STEP_MS;
        const lastIndex = s.values.length - 1 - [...s.values].reverse().findIndex((value) => value !== undefined);
        const storedEndMs = s.firstMs + (s.values.every((value) => value === undefined) ? 1 : lastIndex + 1) * STEP_MS;
        const startMs = r.from === undefined ? storedFirstMs : s.firstMs + r.from * 300_000;
        const endMs = r.to === undefined ? storedEndMs : s.firstMs + r.to * 300_000;
        const call = profile({
          meterId,
          timeZone: r.zone,
          slotWidth: r.slotMinutes === 15 ? BucketWidth.BUCKET_WIDTH_15_MINUTES : BucketWidth.BUCKET_WIDTH_HOUR,
          dayGroup: { all: DayGroup.DAY_GROUP_ALL, weekday: DayGroup.DAY_GROUP_WEEKDAY, weekend: DayGroup.DAY_GROUP_WEEKEND }[r.group],
          startTime: r.from === undefined ? undefined : new Date(startMs),
          endTime: r.to === undefined ? undefined : new Date(endMs),
        });
        if (endMs <= startMs) {
          // Both bounds given: a reversed range is refused; one bound beyond the data: nothing to profile.
          if (r.from !== undefined && r.to !== undefined) await expect(call).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
          else expect((await call).slots.every((slot) => slot.count === 0 && slot.incompleteCount === 0)).toBe(true);
          return;
        }
        const response = await call;
        expect(response).toMatchObject({ meterId, unit: 'kWh', timeZone: r.zone });
        expect(response.startTime?.getTime()).toBe(startMs);
        expect(response.endTime?.getTime()).toBe(endMs);
        expect(roundedSlots(response.slots as never)).toEqual(roundedSlots(modelProfile(s, startMs, endMs, r.zone, r.slotMinutes, r.group) as never));
      }),
      { numRuns: 120 },
    );
  }, 300_000);

  it('refuses a slot shorter than the meter interval, an unknown width and a range too long to profile', async () => {
    await handle.database.pool.query(`insert into meters (meter_id, interval_seconds) values ('half-hourly', 1800)`);
    await expect(profile({ meterId: 'half-hourly', slotWidth: BucketWidth.BUCKET_WIDTH_15_MINUTES })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'slot_width: a slot of 15 minutes is not a whole number of meter "half-hourly"\'s 1800-second intervals',
    });
    await expect(profile({ slotWidth: BucketWidth.BUCKET_WIDTH_DAY })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'slot_width: must be BUCKET_WIDTH_15_MINUTES or BUCKET_WIDTH_HOUR',
    });
    await expect(
      profile({
        slotWidth: BucketWidth.BUCKET_WIDTH_HOUR,
        startTime: new Date('1990-01-01T00:00:00Z'),
        endTime: new Date('2030-01-01T00:00:00Z'),
        meterId: 'profile-1',
      }),
    ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('a load profile reads at most 1000000') });
  });
});
