import fc from 'fast-check';
import { status } from '@grpc/grpc-js';
import {
  AggregateUsageRequest,
  BucketWidth,
  GetUsageSummaryRequest,
  MeterUsageServiceClient,
  Quantity,
  type AggregateUsageResponse,
  type GetUsageSummaryResponse,
} from '@meterusage/contracts';
import { openMigratedDatabase, type MigratedDatabase } from './support/database';
import { startTestGrpc, upload, type TestGrpc } from './support/grpc';

// Peak demand and base load of GetUsageSummary, and AggregateUsage as power, against an
// independent computation: generated
// series of energy meters (Wh, kWh, MWh) and one other unit, with 15-minute and hourly intervals,
// missing values and ties, summarised over a generated range.

const BASE_MS = Date.UTC(2021, 2, 27);
const POWER_UNITS: Record<string, string | undefined> = { Wh: 'W', kWh: 'kW', MWh: 'MW', 'm³': undefined };

const scenario = fc.record({
  unit: fc.constantFrom('Wh', 'kWh', 'MWh', 'm³'),
  intervalSeconds: fc.constantFrom(900, 3600),
  values: fc.array(fc.option(fc.constantFrom('0', '0.25', '1.5', '3', '3', '12.125', '7'), { nil: null, freq: 6 }), { minLength: 1, maxLength: 200 }),
  from: fc.nat({ max: 40 }),
  length: fc.integer({ min: 1, max: 220 }),
});

/** percentile_cont: linear interpolation at rank p·(n−1) of the sorted values. */
function percentile(sorted: number[], p: number): number {
  const position = p * (sorted.length - 1);
  const low = Math.floor(position);
  return sorted[low]! + (position - low) * (sorted[Math.ceil(position)]! - sorted[low]!);
}

describe('GetUsageSummary: peak demand and base load of energy meters, against the definitions', () => {
  let handle: MigratedDatabase;
  let grpc: TestGrpc;
  beforeAll(async () => {
    handle = await openMigratedDatabase('demand');
    grpc = await startTestGrpc(handle);
  }, 60_000);
  afterAll(async () => {
    await grpc?.close();
    await handle?.close();
  });

  const aggregate = (request: Partial<AggregateUsageRequest>) =>
    grpc.call<AggregateUsageRequest, AggregateUsageResponse>(MeterUsageServiceClient.prototype.aggregateUsage, AggregateUsageRequest.fromPartial(request));

  /**
   * AggregateUsage with QUANTITY_POWER: the same buckets as energy, each value as power (sum and
   * mean the mean interval power, min and max the extremes), in the power unit; refused for other units.
   */
  async function expectPowerBuckets(meterId: string, startMs: number, endMs: number, powerUnit: string | undefined, factor: number): Promise<void> {
    const request = {
      meterId,
      startTime: new Date(startMs),
      endTime: new Date(endMs),
      bucketWidth: BucketWidth.BUCKET_WIDTH_HOUR,
      timeZone: 'Europe/Amsterdam',
    };
    const power = aggregate({ ...request, quantity: Quantity.QUANTITY_POWER });
    if (powerUnit === undefined) {
      await expect(power).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/^quantity: power needs an energy meter/) });
      return;
    }
    const [energy, asPower] = [await aggregate(request), await power];
    expect(asPower.unit).toBe(powerUnit);
    expect(asPower.buckets.map(({ start, end, presentCount, expectedCount }) => [start, end, presentCount, expectedCount])).toEqual(
      energy.buckets.map(({ start, end, presentCount, expectedCount }) => [start, end, presentCount, expectedCount]),
    );
    const times = (value: number | undefined) => (value === undefined ? undefined : value * factor);
    asPower.buckets.forEach((bucket, index) => {
      const of = energy.buckets[index]!;
      expect([bucket.sum, bucket.mean, bucket.min, bucket.max]).toEqual([times(of.mean), times(of.mean), times(of.min), times(of.max)]);
    });
  }

  it('gives the peak interval as average power and the 10th percentile of interval power, and buckets as power, in the power unit', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        run += 1;
        const meterId = `demand-${run}`;
        const stepMs = s.intervalSeconds * 1000;
        await handle.database.pool.query(`insert into meters (meter_id, unit, interval_seconds) values ($1, $2, $3)`, [meterId, s.unit, s.intervalSeconds]);
        const lines = s.values.map((value, index) => `${new Date(BASE_MS + (index + 1) * stepMs).toISOString()},${value ?? 'NaN'}`);
        expect((await upload(grpc.client, `time,meterusage\n${lines.join('\n')}\n`, { meterId })).report?.committed).toBe(true);
        const startMs = BASE_MS + s.from * stepMs;
        const endMs = startMs + s.length * stepMs;
        const response = await grpc.call<GetUsageSummaryRequest, GetUsageSummaryResponse>(
          MeterUsageServiceClient.prototype.getUsageSummary,
          GetUsageSummaryRequest.fromPartial({ meterId, startTime: new Date(startMs), endTime: new Date(endMs) }),
        );
        const inRange = s.values.flatMap((value, index) => {
          const at = BASE_MS + index * stepMs;
          return value !== null && at >= startMs && at < endMs ? [{ at, usage: Number(value) }] : [];
        });
        const powerUnit = POWER_UNITS[s.unit];
        await expectPowerBuckets(meterId, startMs, endMs, powerUnit, 3600 / s.intervalSeconds);
        const summary = response.summary!;
        if (powerUnit === undefined || inRange.length === 0) {
          expect([summary.peakDemand, summary.baseLoad]).toEqual([undefined, undefined]);
          return;
        }
        const factor = 3600 / s.intervalSeconds;
        const top = Math.max(...inRange.map((reading) => reading.usage));
        const peak = inRange.find((reading) => reading.usage === top)!; // the earliest on a tie
        expect(summary.peakDemand).toEqual({ value: top * factor, unit: powerUnit, start: new Date(peak.at), end: new Date(peak.at + stepMs) });
        const base =
          percentile(
            inRange.map((reading) => reading.usage).sort((a, b) => a - b),
            0.1,
          ) * factor;
        expect(summary.baseLoad?.unit).toBe(powerUnit);
        expect(summary.baseLoad?.value).toBeCloseTo(base, 9);
        expect([summary.baseLoad?.start, summary.baseLoad?.end]).toEqual([undefined, undefined]);
      }),
      { numRuns: 100 },
    );
  }, 300_000);
});
