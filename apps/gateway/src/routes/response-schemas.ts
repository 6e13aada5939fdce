// Response schemas: they document the API (OpenAPI) and let Fastify serialise quickly. Enum values
// come from the contract's generated enums; the error body's schema from errors/.
import { enumNames, ReadingQuality, ServingStatus, TimeLabel } from '@meterusage/contracts';
import { errorSchema } from '../errors';

/** /readyz's status when grpc-server could not be asked. */
export const READINESS_UNREACHABLE = 'UNREACHABLE';

const instant = { type: 'string', format: 'date-time' } as const;

export const readingSchema = {
  type: 'object',
  required: ['missing', 'quality'],
  properties: {
    time: { ...instant, description: "The source's label instant (the interval end for end-labelled meters)." },
    start: { ...instant, description: 'Interval start (inclusive).' },
    end: { ...instant, description: 'Interval end (exclusive).' },
    usage: { type: 'number', description: "Energy in the meter's unit; absent when missing." },
    missing: { type: 'boolean', description: 'True when the interval has no value.' },
    quality: {
      type: 'string',
      enum: enumNames(ReadingQuality),
      description: 'MEASURED (actual: as received), ESTIMATED, EDITED, MISSING_IN_SOURCE (no value received) or NOT_RECEIVED (a hole).',
    },
    uploadId: {
      type: 'string',
      description: 'The upload that wrote the value (GET /api/uploads/{id}); absent for holes and values older than upload records.',
    },
  },
} as const;

export const meterSchema = {
  type: 'object',
  required: ['meterId', 'unit', 'intervalSeconds', 'timeLabel'],
  properties: {
    meterId: { type: 'string' },
    unit: { type: 'string' },
    intervalSeconds: { type: 'integer' },
    timeLabel: { type: 'string', enum: enumNames(TimeLabel) },
    firstIntervalStart: instant,
    lastIntervalEnd: instant,
  },
} as const;

export const bucketSchema = {
  type: 'object',
  required: ['start', 'end', 'presentCount', 'expectedCount', 'clipped', 'estimatedCount', 'editedCount'],
  properties: {
    start: instant,
    end: instant,
    sum: { type: 'number', description: 'Sum of present values; absent when presentCount is 0.' },
    mean: { type: 'number' },
    min: { type: 'number' },
    max: { type: 'number' },
    presentCount: { type: 'integer', description: 'Intervals with a value.' },
    expectedCount: {
      type: 'integer',
      description: 'Intervals the part of the bucket inside the range should hold; presentCount below it means readings are missing.',
    },
    clipped: {
      type: 'boolean',
      description:
        'True when from or to cuts the bucket (it starts before the range or ends after it): its counts cover only the part inside. Omitted from/to snap outward to whole buckets.',
    },
    estimatedCount: { type: 'integer', description: 'Of presentCount, the estimated values.' },
    editedCount: { type: 'integer', description: 'Of presentCount, the values edited by hand.' },
  },
} as const;

export const summarySchema = {
  type: 'object',
  required: ['presentCount', 'missingCount', 'expectedCount', 'estimatedCount', 'editedCount'],
  properties: {
    total: { type: 'number' },
    mean: { type: 'number' },
    peak: readingSchema,
    minimum: readingSchema,
    presentCount: { type: 'integer' },
    missingCount: { type: 'integer', description: 'Missing in the source or never received.' },
    expectedCount: { type: 'integer' },
    firstReading: readingSchema,
    lastReading: readingSchema,
    estimatedCount: { type: 'integer', description: 'Of presentCount, the estimated values.' },
    editedCount: { type: 'integer', description: 'Of presentCount, the values edited by hand.' },
    peakDemand: {
      type: 'object',
      required: ['value', 'unit', 'start', 'end'],
      description:
        'Energy meters (kWh, Wh, MWh) only: the highest average power over one interval (its energy divided by its length) and that interval. Absent without values.',
      properties: {
        value: { type: 'number' },
        unit: { type: 'string', description: 'kW for kWh, W for Wh, MW for MWh.' },
        start: { type: 'string', format: 'date-time' },
        end: { type: 'string', format: 'date-time' },
      },
    },
    baseLoad: {
      type: 'object',
      required: ['value', 'unit'],
      description:
        "Energy meters only: the base load, the 10th percentile of the present intervals' average power (linear between the closest ranks). Absent without values.",
      properties: { value: { type: 'number' }, unit: { type: 'string' } },
    },
    schedule: {
      type: 'object',
      required: ['insideTotal', 'outsideTotal', 'insideCount', 'outsideCount'],
      description:
        'With schedule: the present values split by whether their interval starts inside the operating hours (local weekday and time in tz). outsideShare = outsideTotal / (insideTotal + outsideTotal), absent when that is 0.',
      properties: {
        insideTotal: { type: 'number' },
        outsideTotal: { type: 'number' },
        outsideShare: { type: 'number' },
        insideCount: { type: 'integer' },
        outsideCount: { type: 'integer' },
      },
    },
  },
} as const;

export { errorSchema };

/** The error responses every /api route may give. */
export const errorResponses = {
  400: {
    ...errorSchema,
    description: 'A parameter is invalid (details name each, with the reason), or the answer would hold a time outside years 0001-9999 (OUT_OF_RANGE).',
  },
  404: { ...errorSchema, description: 'The meter does not exist.' },
  500: errorSchema,
  503: { ...errorSchema, description: 'grpc-server or its database is unavailable, or shutting down (an upload then wrote nothing: send it again).' },
  504: { ...errorSchema, description: 'No answer in time, or an upload that sent no data for UPLOAD_IDLE_TIMEOUT_MS (nothing written).' },
} as const;

/** The body of /readyz: grpc-server's serving status of the meter service, or UNREACHABLE when it did not answer. */
export const readinessSchema = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', enum: [...enumNames(ServingStatus), READINESS_UNREACHABLE] } },
} as const;
