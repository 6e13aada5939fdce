import type { FastifyInstance } from 'fastify';
import { BucketWidth, decodeAggregateUsageInSlices, Quantity, SLICE_MS, type UsageBucketFields } from '@meterusage/contracts';
import { acceptedTimeZones, alignBuckets, type BucketWidthName } from '@meterusage/time';
import { callUnary } from '../grpc/call';
import { answeredAt } from '../plugins/versioned-answers';
import { toIsoSeconds, toSummaryJson } from './json-mapping';
import { querySchema, rangeParams, type RangeQuery } from './query-schemas';
import { toRangeRequest } from './range-request';
import { bucketSchema, errorResponses, summarySchema } from './response-schemas';
import { sendable } from '../answers/body-pieces';
import { aggregateUsageColumnsJson, aggregateUsageJson } from './usage-json';
import { operatingHoursOf, scheduleParam } from './operating-hours-param';
import {
  compareParam,
  comparisonOf,
  summaryComparison,
  summaryComparisonSchema,
  usageComparisonColumnsSchema,
  usageComparisonJson,
  usageComparisonSchema,
  type ComparisonName,
} from './comparison-json';

// The names are libs/time's (BUCKET_WIDTH_NAMES, which the dashboard offers too): `satisfies` fails
// the build if this table and that list ever disagree.
const BUCKETS = {
  '15m': BucketWidth.BUCKET_WIDTH_15_MINUTES,
  hour: BucketWidth.BUCKET_WIDTH_HOUR,
  day: BucketWidth.BUCKET_WIDTH_DAY,
  week: BucketWidth.BUCKET_WIDTH_WEEK,
  month: BucketWidth.BUCKET_WIDTH_MONTH,
} as const satisfies Record<BucketWidthName, BucketWidth>;

/** The 200 answer of GET /api/usage; aggregateUsageJson writes exactly what this schema's serializer would. */
export const usageResponseSchema = {
  type: 'object',
  required: ['meterId', 'unit', 'timeZone', 'buckets'],
  properties: {
    meterId: { type: 'string' },
    unit: { type: 'string' },
    timeZone: { type: 'string' },
    buckets: { type: 'array', items: bucketSchema },
    comparison: usageComparisonSchema,
  },
} as const;

/** The 200 answer of GET /api/usage?shape=columns; aggregateUsageColumnsJson writes it. */
export const usageColumnsResponseSchema = {
  type: 'object',
  required: ['meterId', 'unit', 'timeZone', 'columns'],
  properties: {
    meterId: { type: 'string' },
    unit: { type: 'string' },
    timeZone: { type: 'string' },
    columns: {
      type: 'object',
      description:
        'The buckets as parallel arrays (bucket i is element i of each); a value a bucket lacks is null. Each column means the bucket field of the same name.',
      required: ['startMs', 'endMs', 'sum', 'mean', 'min', 'max', 'presentCount', 'expectedCount', 'clipped', 'estimatedCount', 'editedCount'],
      properties: {
        startMs: { type: 'array', items: { type: 'number' }, description: 'Bucket starts, epoch milliseconds.' },
        endMs: { type: 'array', items: { type: 'number' }, description: 'Bucket ends (exclusive), epoch milliseconds.' },
        sum: { type: 'array', items: { type: ['number', 'null'] } },
        mean: { type: 'array', items: { type: ['number', 'null'] } },
        min: { type: 'array', items: { type: ['number', 'null'] } },
        max: { type: 'array', items: { type: ['number', 'null'] } },
        presentCount: { type: 'array', items: { type: 'integer' } },
        expectedCount: { type: 'array', items: { type: 'integer' } },
        clipped: { type: 'array', items: { type: 'boolean' } },
        estimatedCount: { type: 'array', items: { type: 'integer' } },
        editedCount: { type: 'array', items: { type: 'integer' } },
      },
    },
    comparison: usageComparisonColumnsSchema,
  },
} as const;

type UsageShape = 'rows' | 'columns';

const QUANTITIES = { energy: Quantity.QUANTITY_ENERGY, power: Quantity.QUANTITY_POWER } as const;

interface UsageQuery extends RangeQuery {
  bucket: keyof typeof BUCKETS;
  shape: UsageShape;
  quantity: keyof typeof QUANTITIES;
  compare?: ComparisonName;
}

export async function usageRoutes(app: FastifyInstance, options: { deadlineMs: number }): Promise<void> {
  app.get<{ Querystring: UsageQuery }>(
    '/api/usage',
    {
      config: { versionedAnswer: true },
      schema: {
        summary: 'Usage of a range summed into buckets in a time zone (days, weeks and months follow its calendar)',
        description:
          'Buckets partition the range. An hour bucket is a stretch of one local date, hour and UTC offset (30 minutes at a 30-minute DST change); ' +
          'a day, week or month runs from the first instant the local clock reads its first midnight. Omitted from/to snap outward to whole buckets; ' +
          'a bucket that from or to cuts is marked clipped.',
        tags: ['usage'],
        querystring: querySchema({
          ...rangeParams,
          bucket: { type: 'string', enum: Object.keys(BUCKETS), default: 'day', description: 'Bucket width; weeks start on Monday.' },
          quantity: {
            type: 'string',
            enum: Object.keys(QUANTITIES),
            default: 'energy',
            description:
              "energy: the meter's values; power (kWh, Wh and MWh meters): average power in kW, W or MW, sum and mean the mean interval power of the bucket, min and max the lowest and highest interval power (max is its peak demand).",
          },
          shape: {
            type: 'string',
            enum: ['rows', 'columns'],
            default: 'rows',
            description:
              'rows: a list of bucket objects; columns: the same buckets as parallel arrays with epoch-millisecond times (what charts draw; a third of the size).',
          },
          compare: compareParam,
        }),
        response: {
          200: { description: 'The buckets, as rows or as columns (shape).', anyOf: [usageResponseSchema, usageColumnsResponseSchema] },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { query } = request;
      const range = toRangeRequest(query);
      const aggregate = (startTime: Date | undefined, endTime: Date | undefined) =>
        callUnary(
          app.answerBytes.aggregateUsage.bind(app.answerBytes),
          { ...range, startTime, endTime, bucketWidth: BUCKETS[query.bucket], timeZone: query.tz, quantity: QUANTITIES[query.quantity] },
          { deadlineMs: options.deadlineMs, metadata: app.callMetadata(request) },
        );
      const encoded = await aggregate(range.startTime, range.endTime);
      // Written here, in slices, rather than by the schema's serializer in one go (see usage-json.ts).
      // A comparison needs the requested buckets too: kept from the same decode.
      const requested: UsageBucketFields[] = [];
      const write = query.shape === 'columns' ? aggregateUsageColumnsJson : aggregateUsageJson;
      const written = await write(encoded, SLICE_MS, query.compare === undefined ? undefined : requested);
      answeredAt(request, written);
      let { body } = written;
      if (query.compare !== undefined) {
        if (requested.length > 0) {
          // The range answered: the bounds given, or the whole buckets an omitted bound snapped to.
          const answered = { startMs: range.startTime?.getTime() ?? requested[0]!.startMs!, endMs: range.endTime?.getTime() ?? requested.at(-1)!.endMs! };
          const { shift, range: compared } = comparisonOf(query.compare, answered, query.tz, query.bucket === 'week');
          // An empty compared range (29 February alone, a year back) has no bucket to align.
          let comparedBuckets: UsageBucketFields[] = [];
          if (compared.endMs > compared.startMs) {
            const other = await bucketsOf(await aggregate(new Date(compared.startMs), new Date(compared.endMs)));
            answeredAt(request, other.answer);
            comparedBuckets = other.buckets;
          }
          const aligned = alignBuckets(
            requested.map((bucket) => bucket.startMs!),
            comparedBuckets.map((bucket) => bucket.startMs!),
            shift,
            query.tz,
          );
          const counterparts = aligned.map((index) => (index === undefined ? undefined : comparedBuckets[index]));
          const comparison = usageComparisonJson({ name: query.compare, range: compared, requested, counterparts }, query.shape);
          body = Buffer.concat([body.subarray(0, body.length - 1), Buffer.from(','), comparison, Buffer.from('}')]);
        }
      }
      return reply.type('application/json; charset=utf-8').header('content-length', body.length).send(sendable(body));
    },
  );

  // The one zone list (what PostgreSQL and the runtime both know), so clients offer only zones tz accepts.
  const timeZones = acceptedTimeZones();
  app.get(
    '/api/time-zones',
    {
      schema: {
        summary: 'The time zones tz accepts: IANA names PostgreSQL and the runtime both know, sorted',
        tags: ['usage'],
        querystring: querySchema({}),
        response: {
          200: { type: 'object', required: ['timeZones'], properties: { timeZones: { type: 'array', items: { type: 'string' } } } },
          ...errorResponses,
        },
      },
    },
    async () => ({ timeZones }),
  );

  app.get<{ Querystring: RangeQuery & { compare?: ComparisonName; schedule?: string } }>(
    '/api/summary',
    {
      config: { versionedAnswer: true },
      schema: {
        summary: 'Total, mean, peak and minimum with their intervals, present/missing/expected counts, first and last reading',
        tags: ['usage'],
        querystring: querySchema({ ...rangeParams, compare: compareParam, schedule: scheduleParam }),
        response: {
          200: {
            type: 'object',
            required: ['meterId', 'unit', 'summary'],
            properties: {
              meterId: { type: 'string' },
              unit: { type: 'string' },
              from: { type: 'string', format: 'date-time' },
              to: { type: 'string', format: 'date-time' },
              summary: summarySchema,
              comparison: summaryComparisonSchema,
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { query } = request;
      const range = toRangeRequest(query);
      const operatingHours = operatingHoursOf(query.schedule);
      const summarize = async (startTime: Date | undefined, endTime: Date | undefined) => {
        const response = await callUnary(
          app.meterUsage.getUsageSummary.bind(app.meterUsage),
          { ...range, startTime, endTime, timeZone: query.tz, operatingHours },
          {
            deadlineMs: options.deadlineMs,
            metadata: app.callMetadata(request),
          },
        );
        answeredAt(request, response);
        return response;
      };
      const response = await summarize(range.startTime, range.endTime);
      const answer = {
        meterId: response.meterId,
        unit: response.unit,
        from: toIsoSeconds(response.startTime),
        to: toIsoSeconds(response.endTime),
        summary: toSummaryJson(response.summary),
      };
      if (query.compare === undefined || response.startTime === undefined || response.endTime === undefined) return answer;
      const answered = { startMs: response.startTime.getTime(), endMs: response.endTime.getTime() };
      const { range: compared } = comparisonOf(query.compare, answered, query.tz);
      const other = compared.endMs > compared.startMs ? (await summarize(new Date(compared.startMs), new Date(compared.endMs))).summary : undefined;
      return { ...answer, comparison: summaryComparison(query.compare, compared, response.summary, other, toSummaryJson) };
    },
  );
}

/** The buckets of an encoded AggregateUsageResponse, and the meter and data version it was read at. */
async function bucketsOf(encoded: Uint8Array): Promise<{ buckets: UsageBucketFields[]; answer: { meterId: string; dataVersion: number } }> {
  const buckets: UsageBucketFields[] = [];
  const { meterId, dataVersion } = await decodeAggregateUsageInSlices(encoded, (bucket) => buckets.push(bucket));
  return { buckets, answer: { meterId, dataVersion } };
}
