import {
  Quantity,
  encodeAggregateUsageInSlices,
  type AggregateUsageRequest,
  type AggregateUsageResponse,
  type GetUsageSummaryRequest,
  type MeterUsageServiceServer,
} from '@meterusage/contracts';
import type { DatabaseHandle } from '../db/connection';
import type { StorageFeatures } from '../db/timescale';
import { InvalidArgumentError } from '../errors';
import type { Admission } from '../admission';
import { preEncoded } from '../grpc/pre-encoded';
import { timeZoneOf } from '../grpc/request-fields';
import { unary } from '../grpc/unary';
import type { Logger } from '../logger';
import type { Telemetry } from '../prometheus';
import { requireMeter } from '../meters/require-meter';
import type { MeterRow } from '../meters/meters.repository';
import { powerFactor, powerUnitOf } from '@meterusage/meters';
import { requestedAsOf, requestedRange, resolveRange, type TimeRange } from '../meters/resolve-range';
import { toUsageBucket, toUsageSummary } from './usage.mapper';
import { chooseAggregateSource } from './aggregate-source';
import { planBuckets, tooManyBuckets } from './bucket-plan';
import { WIDTHS } from './bucket-widths';
import { aggregateUsage, splitBySchedule, summarizeUsage } from './usage.repository';
import { operatingScheduleOf, toScheduleSplit } from './operating-schedule';
import { admittedBuckets, admitUsage, certainlyTooManyBuckets, explicitBucketCount, mostBuckets, type BucketLengths } from './usage-admission';

export interface UsageHandlerDeps {
  /** For the bucket aggregates' binary COPY. */
  database: DatabaseHandle;
  db: DatabaseHandle['db'];
  defaultMeterId: string;
  /** Read per call: start-up learns the database's features after the server is built. */
  storage: () => StorageFeatures;
  logger: Logger;
  telemetry?: Telemetry;
  /** Admission of answers by their buckets, held from before the query until the answer is encoded; none when omitted. */
  usageAdmission?: Admission;
}

/** AggregateUsage and GetUsageSummary. */
export function createUsageHandlers(deps: UsageHandlerDeps): Pick<MeterUsageServiceServer, 'aggregateUsage' | 'getUsageSummary'> {
  const { db } = deps;
  return {
    aggregateUsage: unary('AggregateUsage', deps, async (request: AggregateUsageRequest, call) => {
      const width = WIDTHS[request.bucketWidth];
      if (width === undefined) {
        throw new InvalidArgumentError('bucket_width', 'must be one of BUCKET_WIDTH_15_MINUTES, _HOUR, _DAY, _WEEK or _MONTH');
      }
      const timeZone = timeZoneOf(request.timeZone);
      requestedRange(request.startTime, request.endTime); // a malformed request is a 400 whether or not the meter exists
      const asOfMs = requestedAsOf(request.asOf);
      // A range given in full is admitted before any query, so a refusal costs next to nothing.
      let release = await admitUsage(deps.usageAdmission, explicitBucketCount(request, width), call);
      try {
        const meter = await requireMeter(db, request.meterId, deps.defaultMeterId);
        const measure = measureOf(request.quantity, meter);
        const requested = await resolveRange(db, meter, request.startTime, request.endTime, asOfMs);
        const base = { meterId: meter.meter_id, unit: measure.unit, timeZone, dataVersion: Number(meter.data_version) };
        if (requested === undefined) return { ...base, buckets: [] };
        assertBucketCount(requested, width);
        release ??= await admitUsage(deps.usageAdmission, admittedBuckets(requested, width), call);
        const explicit = { start: request.startTime !== undefined, end: request.endTime !== undefined };
        const plan = planBuckets(requested, explicit, width.name, timeZone);
        const { range, boundsMs } = plan;
        const source = chooseAggregateSource({
          rollupAvailable: deps.storage().hourlyRollup,
          cutsMs: [range.startMs, ...boundsMs.slice(1, -1), range.endMs],
          intervalSeconds: meter.interval_seconds,
        });
        const rows = await aggregateUsage(deps.database, { meterId: meter.meter_id, ...range, asOfMs, boundsMs, source });
        // Mapped and encoded a slice at a time, in bucket order; rows come ordered by bucket_index,
        // so each bucket's row (if any) is the next one.
        let nextRow = 0;
        const bytes = await encodeAggregateUsageInSlices(base, plan.count, (index) => {
          const row = nextRow < rows.length && rows.bucketIndexAt(nextRow) === index ? rows.at(nextRow++) : undefined;
          return toUsageBucket(plan, index, row, meter, measure.factor);
        });
        // Every row belongs to a planned bucket; one left over would mean aggregates went missing.
        if (nextRow !== rows.length) throw new Error(`${rows.length - nextRow} aggregate rows matched no bucket of the plan`);
        return preEncoded<AggregateUsageResponse>(bytes);
      } finally {
        release?.();
      }
    }),

    getUsageSummary: unary('GetUsageSummary', deps, async (request: GetUsageSummaryRequest) => {
      requestedRange(request.startTime, request.endTime);
      const asOfMs = requestedAsOf(request.asOf);
      const timeZone = timeZoneOf(request.timeZone);
      const schedule = operatingScheduleOf(request.operatingHours);
      const meter = await requireMeter(db, request.meterId, deps.defaultMeterId);
      const range = await resolveRange(db, meter, request.startTime, request.endTime, asOfMs);
      const query = range === undefined ? undefined : { meterId: meter.meter_id, ...range, asOfMs };
      const row = query === undefined ? undefined : await summarizeUsage(db, query);
      const split =
        schedule === undefined ? undefined : toScheduleSplit(query === undefined ? EMPTY_SPLIT : await splitBySchedule(db, query, timeZone, schedule));
      return {
        meterId: meter.meter_id,
        unit: meter.unit,
        startTime: range === undefined ? request.startTime : new Date(range.startMs),
        endTime: range === undefined ? request.endTime : new Date(range.endMs),
        summary: { ...toUsageSummary(row, range, meter), ...(split === undefined ? {} : { schedule: split }) },
        dataVersion: Number(meter.data_version),
      };
    }),
  };
}

const EMPTY_SPLIT = Object.freeze({ inside_total: 0, outside_total: 0, inside_count: 0, outside_count: 0 });

/** The unit buckets are in and what their values are multiplied by: the meter's own (energy), or power. */
function measureOf(quantity: Quantity, meter: MeterRow): { unit: string; factor: number | undefined } {
  if (quantity === Quantity.QUANTITY_UNSPECIFIED || quantity === Quantity.QUANTITY_ENERGY) return { unit: meter.unit, factor: undefined };
  if (quantity !== Quantity.QUANTITY_POWER) throw new InvalidArgumentError('quantity', 'must be QUANTITY_ENERGY or QUANTITY_POWER');
  const unit = powerUnitOf(meter.unit);
  if (unit === undefined) {
    throw new InvalidArgumentError('quantity', `power needs an energy meter (kWh, Wh or MWh); meter "${meter.meter_id}" measures ${meter.unit}`);
  }
  return { unit, factor: powerFactor(meter.interval_seconds) };
}

function assertBucketCount(range: TimeRange, lengths: BucketLengths): void {
  if (certainlyTooManyBuckets(range, lengths)) throw tooManyBuckets(mostBuckets(range, lengths.minLengthMs));
}
