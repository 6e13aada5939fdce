import type { FastifyInstance } from 'fastify';
import { BucketWidth, DayGroup, type ProfileSlot } from '@meterusage/contracts';
import { callUnary } from '../grpc/call';
import { answeredAt } from '../plugins/versioned-answers';
import { toIsoSeconds } from './json-mapping';
import { querySchema, rangeParams, type RangeQuery } from './query-schemas';
import { toRangeRequest } from './range-request';
import { errorResponses } from './response-schemas';

const SLOTS = { '15m': BucketWidth.BUCKET_WIDTH_15_MINUTES, hour: BucketWidth.BUCKET_WIDTH_HOUR } as const;
const GROUPS = { all: DayGroup.DAY_GROUP_ALL, weekday: DayGroup.DAY_GROUP_WEEKDAY, weekend: DayGroup.DAY_GROUP_WEEKEND } as const;

const statistic = (description: string) => ({ type: ['number', 'null'], description: `${description} Null when count is 0.` }) as const;

/** One time of day of a load profile, as GET /api/profile answers it. */
export const profileSlotSchema = {
  type: 'object',
  required: ['start', 'end', 'count', 'incompleteCount', 'mean', 'min', 'max', 'p10', 'p90'],
  properties: {
    start: { type: 'string', description: 'Local clock time the slot starts, HH:MM.' },
    end: { type: 'string', description: 'Local clock time the slot ends (exclusive), HH:MM; 24:00 for the last.' },
    count: { type: 'integer', description: 'Complete occurrences of the slot in the range (every interval of it has a value): the observations.' },
    incompleteCount: {
      type: 'integer',
      description: 'Occurrences left out because an interval of them has no value (missing, not received or cut by the range).',
    },
    mean: statistic("Mean usage of an occurrence, in the meter's unit."),
    min: statistic('Smallest occurrence.'),
    max: statistic('Largest occurrence.'),
    p10: statistic('10th percentile of the occurrences (linear between the closest ranks).'),
    p90: statistic('90th percentile of the occurrences.'),
  },
} as const;

interface ProfileQuery extends RangeQuery {
  bucket: keyof typeof SLOTS;
  group: keyof typeof GROUPS;
}

export async function profileRoutes(app: FastifyInstance, options: { deadlineMs: number }): Promise<void> {
  app.get<{ Querystring: ProfileQuery }>(
    '/api/profile',
    {
      config: { versionedAnswer: true },
      schema: {
        summary: 'Load profile: the usage of a typical day of the range, per time of day in a time zone',
        description:
          'Each slot of local clock time (15 minutes or an hour from midnight) gathers its occurrences over the days of the range (of the group): ' +
          'an occurrence is one local date and UTC offset of the slot, and is used when every meter interval of it has a value; its usage is their sum. ' +
          'A DST day skips an occurrence (spring) or has two of the repeated hour (autumn).',
        tags: ['usage'],
        querystring: querySchema({
          ...rangeParams,
          bucket: { type: 'string', enum: Object.keys(SLOTS), default: 'hour', description: 'Slot length.' },
          group: {
            type: 'string',
            enum: Object.keys(GROUPS),
            default: 'all',
            description: 'Days to gather: every day, Monday to Friday, or Saturday and Sunday (local dates).',
          },
        }),
        response: {
          200: {
            type: 'object',
            required: ['meterId', 'unit', 'timeZone', 'bucket', 'group', 'slots'],
            properties: {
              meterId: { type: 'string' },
              unit: { type: 'string' },
              timeZone: { type: 'string' },
              from: { type: 'string', format: 'date-time' },
              to: { type: 'string', format: 'date-time' },
              bucket: { type: 'string', enum: Object.keys(SLOTS) },
              group: { type: 'string', enum: Object.keys(GROUPS) },
              slots: { type: 'array', items: profileSlotSchema, description: 'Every slot of the day, from local midnight.' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { bucket, group, tz } = request.query;
      const range = toRangeRequest(request.query);
      const response = await callUnary(
        app.meterUsage.getLoadProfile.bind(app.meterUsage),
        { ...range, timeZone: tz, slotWidth: SLOTS[bucket], dayGroup: GROUPS[group] },
        { deadlineMs: options.deadlineMs, metadata: app.callMetadata(request) },
      );
      answeredAt(request, response);
      return {
        meterId: response.meterId,
        unit: response.unit,
        timeZone: response.timeZone,
        from: toIsoSeconds(response.startTime),
        to: toIsoSeconds(response.endTime),
        bucket,
        group,
        slots: response.slots.map(toProfileSlotJson),
      };
    },
  );
}

const clockTime = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

function toProfileSlotJson(slot: ProfileSlot) {
  return {
    start: clockTime(slot.startMinute),
    end: clockTime(slot.endMinute),
    count: slot.count,
    incompleteCount: slot.incompleteCount,
    mean: slot.mean ?? null,
    min: slot.min ?? null,
    max: slot.max ?? null,
    p10: slot.p10 ?? null,
    p90: slot.p90 ?? null,
  };
}
