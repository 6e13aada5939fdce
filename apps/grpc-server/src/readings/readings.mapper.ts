import type { Reading } from '@meterusage/contracts';
import type { MeterRow } from './meters.repository';
import type { ReadingRecord } from './readings.repository';

/** A stored row as the API's Reading: interval bounds, the source's label time, usage or absent. */
export function toReading(record: ReadingRecord, meter: MeterRow): Reading {
  const startMs = record.interval_start.getTime();
  const endMs = startMs + meter.interval_seconds * 1000;
  return {
    time: new Date(meter.time_label === 'end' ? endMs : startMs),
    intervalStart: record.interval_start,
    intervalEnd: new Date(endMs),
    usage: record.usage === null ? undefined : Number(record.usage),
  };
}
