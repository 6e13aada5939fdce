import { ReadingQuality, type Reading, type ReadingFields } from '@meterusage/contracts';
import type { MeterRow } from '../meters/meters.repository';
import type { ReadingRecord, ReadingSlot } from './readings.repository';

/**
 * A stored reading (or a gap-filled slot) as the API's Reading in plain numbers, with its interval
 * and label time: what bulk answers write to the wire without a Date or message per reading.
 */
export function toReadingFields(record: ReadingRecord | ReadingSlot, meter: MeterRow): ReadingFields {
  const startMs = record.start_ms;
  const endMs = startMs + meter.interval_seconds * 1000;
  const stored = !('stored' in record) || record.stored;
  return {
    timeMs: meter.time_label === 'end' ? endMs : startMs,
    startMs,
    endMs,
    usage: record.usage ?? undefined,
    missing: record.usage === null,
    quality: !stored
      ? ReadingQuality.READING_QUALITY_NOT_RECEIVED
      : record.usage === null
        ? ReadingQuality.READING_QUALITY_MISSING_IN_SOURCE
        : ReadingQuality.READING_QUALITY_MEASURED,
  };
}

/** The same reading as a generated Reading message, for the few readings of a summary. */
export function toReading(record: ReadingRecord | ReadingSlot, meter: MeterRow): Reading {
  const { timeMs, startMs, endMs, ...rest } = toReadingFields(record, meter);
  return { ...rest, time: new Date(timeMs!), start: new Date(startMs!), end: new Date(endMs!) };
}
