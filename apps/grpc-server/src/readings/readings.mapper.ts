import { ReadingQuality, type Reading } from '@meterusage/contracts';
import type { MeterRow } from '../meters/meters.repository';
import type { ReadingRecord, ReadingSlot } from './readings.repository';

/** A stored reading (or a gap-filled slot) as the API's Reading, with its interval and label time. */
export function toReading(record: ReadingRecord | ReadingSlot, meter: MeterRow): Reading {
  const startMs = record.start_ms;
  const endMs = startMs + meter.interval_seconds * 1000;
  const stored = !('stored' in record) || record.stored;
  return {
    time: new Date(meter.time_label === 'end' ? endMs : startMs),
    start: new Date(startMs),
    end: new Date(endMs),
    usage: record.usage ?? undefined,
    missing: record.usage === null,
    quality: !stored
      ? ReadingQuality.READING_QUALITY_NOT_RECEIVED
      : record.usage === null
        ? ReadingQuality.READING_QUALITY_MISSING_IN_SOURCE
        : ReadingQuality.READING_QUALITY_MEASURED,
  };
}
