// The gateway's JSON follows the proto3 JSON mapping (camelCase names, enum names, RFC 3339
// timestamps without fractional seconds), printing fields without presence even at their
// default (presentCount 0, missing false) and omitting absent optional values (no usage).
import {
  readingQualityToJSON,
  timeLabelToJSON,
  type Meter,
  type Reading,
  type ReadingFields,
  type UsageBucketFields,
  type UsageSummary,
} from '@meterusage/contracts';
import { HttpStatusError } from '../errors';
import { EARLIEST_MS, LATEST_MS } from './time-domain';

const DAY_MS = 86_400_000;
// Read once: where modules are bundled by esbuild (tsx, the benches) every use of an imported
// constant is a getter call, and these are read for every instant of a large answer.
const EARLIEST = EARLIEST_MS;
const LATEST = LATEST_MS;
const TWO_DIGITS = Array.from({ length: 60 }, (_, value) => String(value).padStart(2, '0'));
// Readings come in time order, so consecutive instants share their day: its "YYYY-MM-DDT" prefix is
// computed once per day instead of a toISOString() per instant (the hot spot of large exports).
let cachedDay = Number.NaN;
let cachedDayPrefix = '';

/**
 * "2019-01-01T00:15:00Z": RFC 3339 in UTC, without milliseconds when they are zero. A time outside
 * years 0001-9999 has no such form (toISOString would write "+010000-01-01T00:00:00.000Z"): the
 * answer is refused instead (400 OUT_OF_RANGE), e.g. a month bucket ending in year 10000.
 */
export function toIsoSeconds(instant: Date | undefined): string | undefined {
  return instant === undefined ? undefined : isoSecondsOfMs(instant.getTime());
}

/** toIsoSeconds of the Date new Date(ms) would make. */
function isoSecondsOfMs(ms: number): string {
  if (ms < EARLIEST || ms > LATEST) throw outsideTimeDomain(ms);
  if (ms % 1000 !== 0 || !Number.isFinite(ms)) return new Date(ms).toISOString(); // fractions (rare), or throws like toISOString for an invalid date
  const day = Math.floor(ms / DAY_MS);
  if (day !== cachedDay) {
    const midnight = new Date(day * DAY_MS).toISOString();
    cachedDayPrefix = midnight.slice(0, midnight.indexOf('T') + 1);
    cachedDay = day;
  }
  const secondOfDay = (ms - day * DAY_MS) / 1000;
  return `${cachedDayPrefix}${TWO_DIGITS[Math.floor(secondOfDay / 3600)]}:${TWO_DIGITS[Math.floor(secondOfDay / 60) % 60]}:${TWO_DIGITS[secondOfDay % 60]}Z`;
}

function outsideTimeDomain(ms: number): HttpStatusError {
  const side = ms < EARLIEST_MS ? 'before 0001-01-01T00:00:00Z' : 'after 9999-12-31T23:59:59.999Z';
  return new HttpStatusError(
    400,
    'OUT_OF_RANGE',
    `the answer would hold a time ${side} (such as the end of a bucket), which RFC 3339 cannot write; narrow the range`,
  );
}

export interface ReadingJson {
  time?: string;
  start?: string;
  end?: string;
  usage?: number;
  missing: boolean;
  quality: string;
}

export function toReadingJson(reading: Reading): ReadingJson {
  return {
    time: toIsoSeconds(reading.time),
    start: toIsoSeconds(reading.start),
    end: toIsoSeconds(reading.end),
    usage: reading.usage,
    missing: reading.missing,
    quality: readingQualityToJSON(reading.quality),
  };
}

export function toMeterJson(meter: Meter) {
  return {
    meterId: meter.meterId,
    unit: meter.unit,
    intervalSeconds: meter.intervalSeconds,
    timeLabel: timeLabelToJSON(meter.timeLabel),
    firstIntervalStart: toIsoSeconds(meter.firstIntervalStart),
    lastIntervalEnd: toIsoSeconds(meter.lastIntervalEnd),
  };
}

const jsonNumber = (value: number) => (Number.isFinite(value) ? String(value) : 'null');

/**
 * A bucket of /api/usage as JSON text, keys in the order it has always written them (its schema
 * serializer puts the required keys first, then the optional ones). Written straight from the
 * wire's numbers, without intermediate objects: a year in 15-minute buckets is 35,040 of them.
 */
export function bucketJsonText(bucket: UsageBucketFields): string {
  let text = '{';
  if (bucket.startMs !== undefined) text += `"start":"${isoSecondsOfMs(bucket.startMs)}",`;
  if (bucket.endMs !== undefined) text += `"end":"${isoSecondsOfMs(bucket.endMs)}",`;
  text += `"presentCount":${bucket.presentCount},"expectedCount":${bucket.expectedCount},"clipped":${bucket.clipped}`;
  if (bucket.sum !== undefined) text += `,"sum":${jsonNumber(bucket.sum)}`;
  if (bucket.mean !== undefined) text += `,"mean":${jsonNumber(bucket.mean)}`;
  if (bucket.min !== undefined) text += `,"min":${jsonNumber(bucket.min)}`;
  if (bucket.max !== undefined) text += `,"max":${jsonNumber(bucket.max)}`;
  return `${text}}`;
}

/**
 * A reading of /api/readings as JSON text, in the order its schema serializer wrote it (the
 * required missing and quality first, then time, start, end and usage when present), straight from
 * the wire's numbers. JSON.parse of it equals toReadingJson of the decoded Reading (tests hold it
 * to both).
 */
export function readingJsonText(reading: ReadingFields): string {
  let text = `{"missing":${reading.missing},"quality":"${qualityName(reading.quality)}"`;
  if (reading.timeMs !== undefined) text += `,"time":"${isoSecondsOfMs(reading.timeMs)}"`;
  if (reading.startMs !== undefined) text += `,"start":"${isoSecondsOfMs(reading.startMs)}"`;
  if (reading.endMs !== undefined) text += `,"end":"${isoSecondsOfMs(reading.endMs)}"`;
  if (reading.usage !== undefined) text += `,"usage":${jsonNumber(reading.usage)}`;
  return `${text}}`;
}

// ReadingQuality's names, looked up once per value rather than through the generated function for
// every reading of a large answer.
const QUALITY_NAMES = new Map<number, string>();

/** readingQualityToJSON, remembered. */
export function qualityName(quality: number): string {
  let name = QUALITY_NAMES.get(quality);
  if (name === undefined) QUALITY_NAMES.set(quality, (name = readingQualityToJSON(quality)));
  return name;
}

/** An element of /api/metrics as JSON text: {"time","meterusage"} as toMetricJson maps the decoded Reading. */
export function metricJsonText(reading: ReadingFields): string {
  const time = reading.timeMs === undefined ? '' : isoSecondsOfMs(reading.timeMs);
  return `{"time":"${time}","meterusage":${reading.usage === undefined ? 'null' : jsonNumber(reading.usage)}}`;
}

/** An instant of a reading as RFC 3339 text, '' when absent: the export's columns. */
export function isoSecondsOrEmpty(ms: number | undefined): string {
  return ms === undefined ? '' : isoSecondsOfMs(ms);
}

export function toSummaryJson(summary: UsageSummary | undefined) {
  const reading = (value: Reading | undefined) => (value === undefined ? undefined : toReadingJson(value));
  return {
    total: summary?.total,
    mean: summary?.mean,
    peak: reading(summary?.peak),
    minimum: reading(summary?.minimum),
    presentCount: summary?.presentCount ?? 0,
    missingCount: summary?.missingCount ?? 0,
    expectedCount: summary?.expectedCount ?? 0,
    firstReading: reading(summary?.firstReading),
    lastReading: reading(summary?.lastReading),
  };
}
