import { TimeLabel, type Meter } from '@meterusage/contracts';
import type { TimeLabel as StoredTimeLabel } from '../db/schema';
import type { MeterWithSpanRow } from './meters.repository';

const TIME_LABELS: Record<StoredTimeLabel, TimeLabel> = { start: TimeLabel.TIME_LABEL_START, end: TimeLabel.TIME_LABEL_END };

/** A meter row with its data span as the API's Meter. */
export function toMeter(row: MeterWithSpanRow): Meter {
  return {
    meterId: row.meter_id,
    unit: row.unit,
    intervalSeconds: row.interval_seconds,
    timeLabel: TIME_LABELS[row.time_label],
    firstIntervalStart: row.first_start_ms === null ? undefined : new Date(row.first_start_ms),
    lastIntervalEnd: row.last_start_ms === null ? undefined : new Date(row.last_start_ms + row.interval_seconds * 1000),
  };
}
