import type { UsageBucketFields, UsageSummary } from '@meterusage/contracts';
import { comparedRange, comparisonShift, COMPARISON_NAMES, type ComparisonName, type ComparisonShift } from '@meterusage/time';
import { BadRequestError } from '../errors';
import { isoSecondsOfMs } from '@meterusage/contracts';
import { EARLIEST_MS } from './time-domain';
import { writeBucketJson } from './json-mapping';
import { JsonArrayBody } from './json-array-body';
import { bucketSchema, summarySchema } from './response-schemas';
import type { TextSink } from '@meterusage/contracts';
import { UsageColumns } from './usage-json';

// The JSON of `compare=previous_period|previous_year` (libs/time comparison.ts has the alignment
// rules): the compared period's range, its buckets aligned one to one with the requested ones
// (null where it has no bucket at that local position) or its summary, and the differences.
// A difference is requested minus compared; the percentage is that difference over the compared
// value. Both are null when either side lacks the value (or, for the percentage, when the
// compared value is 0). Differences are rounded to 9 decimal places, the finest a value can have,
// so 1.1 − 1.0 reads 0.1 and not 0.10000000000000009; percentages to 4.

export const compareParam = {
  type: 'string',
  enum: COMPARISON_NAMES,
  description:
    'Adds the same figures for the period before (previous_period: the range moved back by its own length, in months for whole months, in days for whole days, ' +
    'whole weeks for week buckets, otherwise by the local clock time between from and to) or the year before (previous_year; weeks move back 52 weeks), ' +
    'aligned by local calendar position (null where the other period has no such position), with the differences; in the shape of the buckets (rows or columns).',
} as const;

const differenceSchema = { type: ['number', 'null'] } as const;

/** A bucket's differences from its counterpart. */
const bucketDifferenceSchema = {
  type: ['object', 'null'],
  required: ['sum', 'sumPercent', 'max'],
  properties: { sum: differenceSchema, sumPercent: differenceSchema, max: differenceSchema },
} as const;

/** comparison of GET /api/usage (rows). */
export const usageComparisonSchema = {
  type: 'object',
  required: ['name', 'from', 'to', 'buckets', 'differences'],
  properties: {
    name: { type: 'string', enum: COMPARISON_NAMES },
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    buckets: {
      type: 'array',
      items: { anyOf: [bucketSchema, { type: 'null' }] },
      description: 'Bucket i is the counterpart of requested bucket i, null where there is none.',
    },
    differences: { type: 'array', items: bucketDifferenceSchema },
  },
} as const;

/** comparison of GET /api/usage?shape=columns: the counterparts as columns, null in every column where there is none. */
export const usageComparisonColumnsSchema = {
  type: 'object',
  required: ['name', 'from', 'to', 'columns', 'differences'],
  properties: {
    name: { type: 'string', enum: COMPARISON_NAMES },
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    columns: {
      type: 'object',
      description: 'The columns of the requested buckets; element i is the counterpart of requested bucket i, null in every column where there is none.',
    },
    differences: {
      type: 'object',
      required: ['sum', 'sumPercent', 'max'],
      properties: {
        sum: { type: 'array', items: differenceSchema },
        sumPercent: { type: 'array', items: differenceSchema },
        max: { type: 'array', items: differenceSchema },
      },
    },
  },
} as const;

/** comparison of GET /api/summary. */
export const summaryComparisonSchema = {
  type: 'object',
  required: ['name', 'from', 'to', 'summary', 'differences'],
  properties: {
    name: { type: 'string', enum: COMPARISON_NAMES },
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    summary: summarySchema,
    differences: {
      type: 'object',
      required: ['total', 'totalPercent', 'mean', 'peakDemand', 'baseLoad'],
      properties: { total: differenceSchema, totalPercent: differenceSchema, mean: differenceSchema, peakDemand: differenceSchema, baseLoad: differenceSchema },
    },
  },
} as const;

export type { ComparisonName };

/**
 * The shift and the compared range of an answered range, in one place for both routes. A compared
 * range reaching before year 1 (the year before 0001, say) is the request's fault: a 400 naming
 * compare, before any call.
 */
export function comparisonOf(
  name: ComparisonName,
  answered: { startMs: number; endMs: number },
  timeZone: string,
  weekBuckets = false,
): { shift: ComparisonShift; range: { startMs: number; endMs: number } } {
  const shift = comparisonShift(name, answered, timeZone, weekBuckets);
  const range = comparedRange(shift, answered, timeZone);
  if (range.startMs < EARLIEST_MS)
    throw new BadRequestError('compare', `${name} of a range starting ${isoSecondsOfMs(answered.startMs)} reaches before 0001-01-01`);
  return { shift, range };
}

/** requested − compared, rounded to 9 places; null when either is absent. */
export function difference(requested: number | undefined, compared: number | undefined): number | null {
  if (requested === undefined || compared === undefined) return null;
  return round(requested - compared, 9);
}

/** The difference as a percentage of the compared value; null when either is absent or the compared value is 0. */
export function percentChange(requested: number | undefined, compared: number | undefined): number | null {
  if (requested === undefined || compared === undefined || compared === 0) return null;
  return round(((requested - compared) / Math.abs(compared)) * 100, 4);
}

function round(value: number, places: number): number {
  return Number(value.toFixed(places));
}

/** A usage comparison: the compared range, and each requested bucket's counterpart (undefined: none). */
export interface UsageComparison {
  name: ComparisonName;
  range: { startMs: number; endMs: number };
  requested: readonly UsageBucketFields[];
  counterparts: ReadonlyArray<UsageBucketFields | undefined>;
}

/** `"comparison":{…}` of GET /api/usage in the answer's shape: buckets (rows) or columns. */
export function usageComparisonJson(comparison: UsageComparison, shape: 'rows' | 'columns'): Buffer {
  const { name, range, requested, counterparts } = comparison;
  const differences = requested.map((bucket, index) => {
    const other = counterparts[index];
    return other === undefined
      ? null
      : { sum: difference(bucket.sum, other.sum), sumPercent: percentChange(bucket.sum, other.sum), max: difference(bucket.max, other.max) };
  });
  const head = `"comparison":{"name":${JSON.stringify(name)},"from":"${isoSecondsOfMs(range.startMs)}","to":"${isoSecondsOfMs(range.endMs)}",`;
  if (shape === 'rows') {
    const buckets = new JsonArrayBody<UsageBucketFields | undefined>(writeBucketOrNull);
    for (const bucket of counterparts) buckets.add(bucket);
    return buckets.body(`${head}"buckets":[`, `],"differences":${JSON.stringify(differences)}}`);
  }
  const columns = new UsageColumns();
  for (const bucket of counterparts) columns.add(bucket);
  const column = (key: 'sum' | 'sumPercent' | 'max') => differences.map((entry) => (entry === null ? null : entry[key]));
  const differenceColumns = JSON.stringify({ sum: column('sum'), sumPercent: column('sumPercent'), max: column('max') });
  return Buffer.concat([Buffer.from(`${head}"columns":`), ...columns.finish(), Buffer.from(`,"differences":${differenceColumns}}`)]);
}

/** The summary's comparison object. */
export function summaryComparison(
  name: ComparisonName,
  range: { startMs: number; endMs: number },
  requested: UsageSummary | undefined,
  compared: UsageSummary | undefined,
  summaryJson: (summary: UsageSummary | undefined) => unknown,
) {
  return {
    name,
    from: isoSecondsOfMs(range.startMs),
    to: isoSecondsOfMs(range.endMs),
    summary: summaryJson(compared),
    differences: {
      total: difference(requested?.total, compared?.total),
      totalPercent: percentChange(requested?.total, compared?.total),
      mean: difference(requested?.mean, compared?.mean),
      peakDemand: difference(requested?.peakDemand?.value, compared?.peakDemand?.value),
      baseLoad: difference(requested?.baseLoad?.value, compared?.baseLoad?.value),
    },
  };
}

function writeBucketOrNull(out: TextSink, bucket: UsageBucketFields | undefined): void {
  if (bucket === undefined) out.ascii('null');
  else writeBucketJson(out, bucket);
}
