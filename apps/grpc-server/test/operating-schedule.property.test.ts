import fc from 'fast-check';
import { status } from '@grpc/grpc-js';
import { GetUsageSummaryRequest, MeterUsageServiceClient, type GetUsageSummaryResponse, type OperatingHours } from '@meterusage/contracts';
import { openMigratedDatabase, type MigratedDatabase } from './support/database';
import { startTestGrpc, upload, type TestGrpc } from './support/grpc';

// The operating-hours split of GetUsageSummary against an independent computation: generated
// 15-minute series of three to seven days across the spring and autumn DST weekends of 2021 in three zones, generated
// weekly hours, and each interval placed by the weekday and clock time Intl prints for its start.

const BASE_MS = Date.UTC(2021, 2, 26); // Friday before the EU spring change (28 March 2021)
const AUTUMN_MS = Date.UTC(2021, 9, 29); // Friday before the EU autumn change (31 October 2021)
const STEP_MS = 900_000;
const ZONES = ['Europe/Amsterdam', 'America/New_York', 'Asia/Kolkata'];
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

const hoursEntry = fc
  .record({
    isoWeekdays: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
    from: fc.integer({ min: 0, max: 95 }),
    length: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 96 })),
  })
  .map(({ isoWeekdays, from, length }): OperatingHours => ({ isoWeekdays, fromMinute: from * 15, toMinute: Math.min(1440, (from + length) * 15) }));

const scenario = fc.record({
  timeZone: fc.constantFrom(...ZONES),
  startMs: fc.constantFrom(BASE_MS, AUTUMN_MS),
  values: fc.array(fc.option(fc.constantFrom('0', '0.25', '1.5', '3', '12.125'), { nil: null, freq: 8 }), { minLength: 300, maxLength: 700, size: 'max' }),
  hours: fc.array(hoursEntry, { minLength: 1, maxLength: 3 }),
});

describe('GetUsageSummary: energy inside and outside operating hours, against the local clock', () => {
  let handle: MigratedDatabase;
  let grpc: TestGrpc;
  beforeAll(async () => {
    handle = await openMigratedDatabase('operating_schedule');
    grpc = await startTestGrpc(handle);
  }, 60_000);
  afterAll(async () => {
    await grpc?.close();
    await handle?.close();
  });

  const summarize = (request: Partial<GetUsageSummaryRequest>) =>
    grpc.call<GetUsageSummaryRequest, GetUsageSummaryResponse>(MeterUsageServiceClient.prototype.getUsageSummary, GetUsageSummaryRequest.fromPartial(request));

  it('splits the present values by their local start, across DST changes', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        run += 1;
        const meterId = `hours-${run}`;
        const lines = s.values.map((value, index) => `${new Date(s.startMs + (index + 1) * STEP_MS).toISOString()},${value ?? 'NaN'}`);
        expect((await upload(grpc.client, `time,meterusage\n${lines.join('\n')}\n`, { meterId })).report?.committed).toBe(true);
        const endMs = s.startMs + s.values.length * STEP_MS;
        const { summary } = await summarize({
          meterId,
          startTime: new Date(s.startMs),
          endTime: new Date(endMs),
          timeZone: s.timeZone,
          operatingHours: s.hours,
        });

        const format = new Intl.DateTimeFormat('en-US', { timeZone: s.timeZone, hourCycle: 'h23', weekday: 'short', hour: 'numeric', minute: 'numeric' });
        let inside = 0;
        let outside = 0;
        let insideCount = 0;
        let outsideCount = 0;
        s.values.forEach((value, index) => {
          if (value === null) return;
          const parts = Object.fromEntries(format.formatToParts(s.startMs + index * STEP_MS).map((part) => [part.type, part.value]));
          const day = WEEKDAYS.indexOf(parts.weekday!) + 1;
          const minute = Number(parts.hour) * 60 + Number(parts.minute);
          const isInside = s.hours.some((entry) => entry.isoWeekdays.includes(day) && minute >= entry.fromMinute && minute < entry.toMinute);
          if (isInside) {
            inside += Number(value);
            insideCount += 1;
          } else {
            outside += Number(value);
            outsideCount += 1;
          }
        });
        const split = summary!.schedule!;
        expect([split.insideCount, split.outsideCount]).toEqual([insideCount, outsideCount]);
        expect(split.insideTotal).toBeCloseTo(inside, 6);
        expect(split.outsideTotal).toBeCloseTo(outside, 6);
        if (inside + outside === 0) expect(split.outsideShare).toBeUndefined();
        else expect(split.outsideShare).toBeCloseTo(outside / (inside + outside), 9);
        expect(split.insideTotal + split.outsideTotal).toBeCloseTo(summary!.total ?? 0, 6);
      }),
      { numRuns: 50 },
    );
  }, 240_000);

  it('has no split without hours, and refuses malformed hours naming the entry', async () => {
    await upload(grpc.client, `time,meterusage\n2021-03-26T00:15:00Z,1\n`, { meterId: 'plain' });
    expect((await summarize({ meterId: 'plain' })).summary!.schedule).toBeUndefined();
    const refusals: Array<[OperatingHours, string]> = [
      [{ isoWeekdays: [], fromMinute: 0, toMinute: 60 }, 'operating_hours: entry 1: names no weekday'],
      [{ isoWeekdays: [8], fromMinute: 0, toMinute: 60 }, 'operating_hours: entry 1: weekday 8 is not 1 (Monday) to 7 (Sunday)'],
      [{ isoWeekdays: [1], fromMinute: 600, toMinute: 600 }, 'operating_hours: entry 1: to_minute must be after from_minute (600) and at most 1440, got 600'],
    ];
    for (const [hours, message] of refusals) {
      await expect(summarize({ meterId: 'plain', operatingHours: [hours] })).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: expect.stringContaining(message),
      });
    }
  });
});
