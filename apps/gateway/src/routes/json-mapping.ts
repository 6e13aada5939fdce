// The gateway's JSON follows the proto3 JSON mapping (camelCase names, enum names, RFC 3339
// timestamps without fractional seconds), printing fields without presence even at their
// default (presentCount 0, missing false) and omitting absent optional values (no usage).
import {
  isoSecondsOfMs,
  qualityName,
  readingQualityToJSON,
  timeLabelToJSON,
  writeJsonNumber,
  writeNumberField,
  writeTimeField,
  type Meter,
  type Reading,
  type ReadingFields,
  type TextSink,
  type UsageBucketFields,
  type UsageSummary,
} from '@meterusage/contracts';

// The writers below run once per reading and per bucket (35,040 for a year of 15-minute buckets).
// An imported binding of a package's index is a getter under both esbuild's and tsc's CommonJS
// re-exports, and calling through it cost the gateway about 5 % of a month's /api/readings (CPU
// profile, 2026-12-06): the functions are read once, here.
const writeTime = writeTimeField;
const writeNumber = writeNumberField;
const qualityText = qualityName;
const writeNumberValue = writeJsonNumber;

/** isoSecondsOfMs of an instant, undefined when absent. */
export function toIsoSeconds(instant: Date | undefined): string | undefined {
  return instant === undefined ? undefined : isoSecondsOfMs(instant.getTime());
}

export interface ReadingJson {
  time?: string;
  start?: string;
  end?: string;
  usage?: number;
  missing: boolean;
  quality: string;
  uploadId?: string;
}

export function toReadingJson(reading: Reading): ReadingJson {
  return {
    time: toIsoSeconds(reading.time),
    start: toIsoSeconds(reading.start),
    end: toIsoSeconds(reading.end),
    usage: reading.usage,
    missing: reading.missing,
    quality: readingQualityToJSON(reading.quality),
    uploadId: reading.uploadId === '' ? undefined : reading.uploadId,
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

/**
 * A bucket of /api/usage as JSON, keys in the order it has always written them (its schema
 * serializer puts the required keys first, then the optional ones). Written straight from the
 * wire's numbers, without intermediate objects: a year in 15-minute buckets is 35,040 of them.
 */
export function writeBucketJson(out: TextSink, bucket: UsageBucketFields): void {
  out.byte(OPEN_BRACE);
  writeTime(out, '"start":"', bucket.startMs, ',');
  writeTime(out, '"end":"', bucket.endMs, ',');
  out.ascii('"presentCount":');
  out.number(bucket.presentCount);
  out.ascii(',"expectedCount":');
  out.number(bucket.expectedCount);
  out.ascii(bucket.clipped ? ',"clipped":true' : ',"clipped":false');
  out.ascii(',"estimatedCount":');
  out.number(bucket.estimatedCount);
  out.ascii(',"editedCount":');
  out.number(bucket.editedCount);
  writeNumber(out, ',"sum":', bucket.sum);
  writeNumber(out, ',"mean":', bucket.mean);
  writeNumber(out, ',"min":', bucket.min);
  writeNumber(out, ',"max":', bucket.max);
  out.byte(CLOSE_BRACE);
}

/**
 * A reading of /api/readings as JSON, in the order its schema serializer wrote it (the required
 * missing and quality first, then time, start, end and usage when present), straight from the
 * wire's numbers. JSON.parse of it equals toReadingJson of the decoded Reading (tests hold it to
 * both).
 */
export function writeReadingJson(out: TextSink, reading: ReadingFields): void {
  out.ascii(reading.missing ? '{"missing":true,"quality":"' : '{"missing":false,"quality":"');
  out.ascii(qualityText(reading.quality));
  out.byte(QUOTE);
  writeTime(out, ',"time":"', reading.timeMs);
  writeTime(out, ',"start":"', reading.startMs);
  writeTime(out, ',"end":"', reading.endMs);
  writeNumber(out, ',"usage":', reading.usage);
  if (reading.uploadId !== '') {
    out.ascii(',"uploadId":');
    out.ascii(JSON.stringify(reading.uploadId));
  }
  out.byte(CLOSE_BRACE);
}

/** An element of /api/metrics as JSON: {"time","meterusage"} as toMetricJson maps the decoded Reading. */
export function writeMetricJson(out: TextSink, reading: ReadingFields): void {
  out.ascii('{"time":"');
  if (reading.timeMs !== undefined) out.isoSeconds(reading.timeMs);
  out.ascii('","meterusage":');
  if (reading.usage === undefined) out.ascii('null');
  else writeNumberValue(out, reading.usage);
  out.byte(CLOSE_BRACE);
}

const QUOTE = 34;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;

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
    estimatedCount: summary?.estimatedCount ?? 0,
    editedCount: summary?.editedCount ?? 0,
    peakDemand: summary?.peakDemand && {
      value: summary.peakDemand.value,
      unit: summary.peakDemand.unit,
      start: toIsoSeconds(summary.peakDemand.start),
      end: toIsoSeconds(summary.peakDemand.end),
    },
    baseLoad: summary?.baseLoad && { value: summary.baseLoad.value, unit: summary.baseLoad.unit },
    schedule: summary?.schedule && {
      insideTotal: summary.schedule.insideTotal,
      outsideTotal: summary.schedule.outsideTotal,
      outsideShare: summary.schedule.outsideShare,
      insideCount: summary.schedule.insideCount,
      outsideCount: summary.schedule.outsideCount,
    },
  };
}
