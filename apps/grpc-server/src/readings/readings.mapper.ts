import { ReadingQuality, type Reading, type ReadingFields } from '@meterusage/contracts';
import type { StoredQuality } from '../db/schema';
import type { MeterRow } from '../meters/meters.repository';
import type { ReadingRecord, ReadingSlot } from './readings.repository';

/** The contract's quality of a stored value (a missing one is MISSING_IN_SOURCE whatever its column says). */
const QUALITY_OF: Record<StoredQuality, ReadingQuality> = {
  actual: ReadingQuality.READING_QUALITY_MEASURED,
  estimated: ReadingQuality.READING_QUALITY_ESTIMATED,
  edited: ReadingQuality.READING_QUALITY_EDITED,
};

/** The contract's quality of a stored interval, or of a hole (stored = false). */
export function readingQualityOf(stored: boolean, usage: number | string | null, quality: StoredQuality): ReadingQuality {
  if (!stored) return ReadingQuality.READING_QUALITY_NOT_RECEIVED;
  if (usage === null) return ReadingQuality.READING_QUALITY_MISSING_IN_SOURCE;
  return QUALITY_OF[quality];
}

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
    quality: readingQualityOf(stored, record.usage, record.quality),
    uploadId: record.upload_id ?? '',
  };
}

/** The same reading as a generated Reading message, for the few readings of a summary. */
export function toReading(record: ReadingRecord | ReadingSlot, meter: MeterRow): Reading {
  const { timeMs, startMs, endMs, ...rest } = toReadingFields(record, meter);
  return { ...rest, time: new Date(timeMs!), start: new Date(startMs!), end: new Date(endMs!) };
}
