import { localTimeResolver, parseTimestamp, plainWallClockMs, type LocalTimeResolution } from '@meterusage/time';
import { clip } from './clip';
import type { RowError } from './row-error';

/** What reading a time field needs to know of its meter. */
export interface MeterGrid {
  /** The meter's interval in ms: every label lies on this grid (from the epoch). */
  intervalMs: number;
  intervalSeconds: number;
  /** The label (epoch ms) of the meter's previous row on the grid; -Infinity before the first. */
  previousLabelMs: number;
}

/**
 * Reads a row's time field into its label instant (epoch ms) in one time zone. Pure: the caller
 * keeps each meter's previous label.
 *
 * DST rule: a wall-clock time that happens twice (autumn) is the earliest of its two instants
 * that comes after the previous row of the same meter, so a file in time order resolves the
 * repeated hour correctly; if neither instant comes after it, the row is rejected as ambiguous.
 * A wall-clock time that does not exist (spring) is rejected.
 */
export class TimeFieldReader {
  private readonly resolveLocal: ((wallClockMs: number) => LocalTimeResolution) | undefined;

  constructor(private readonly timeZone: string) {
    // Naive times in UTC are their own instants: no resolver call (and result object) per row.
    this.resolveLocal = timeZone === 'UTC' || timeZone === 'Etc/UTC' ? undefined : localTimeResolver(timeZone);
  }

  /** The label instant of `raw` (trimmed) on the meter's grid, or the row's time error. */
  labelMs(line: number, raw: string, meter: MeterGrid): number | RowError {
    // The common "YYYY-MM-DD HH:MM:SS" arithmetically; anything else (offsets, fractions, and
    // every invalid time, for its precise message) by the regular expression.
    let wallClockMs = plainWallClockMs(raw);
    let offsetMs: number | 'invalid' | undefined;
    if (Number.isNaN(wallClockMs)) {
      const parsed = parseTimestamp(raw);
      if (parsed.kind === 'unparseable') return { line, field: 'time', reason: `unparseable time "${clip(raw)}": expected "YYYY-MM-DD HH:MM:SS" or RFC 3339` };
      if (parsed.kind === 'invalid-date') return { line, field: 'time', reason: `invalid date or time "${clip(raw)}"` };
      if (parsed.subMillisecond) return offGrid(line, raw, meter);
      ({ wallClockMs, offsetMs } = parsed);
    }

    let labelMs: number;
    if (offsetMs === 'invalid') return { line, field: 'time', reason: `invalid UTC offset in "${clip(raw)}"` };
    if (offsetMs !== undefined) {
      labelMs = wallClockMs - offsetMs;
    } else if (this.resolveLocal === undefined) {
      labelMs = wallClockMs;
    } else {
      const resolution = this.resolveLocal(wallClockMs);
      if (resolution.kind === 'gap') {
        return { line, field: 'time', reason: `local time "${raw}" does not exist in ${this.timeZone} (skipped by a DST change)` };
      }
      if (resolution.kind === 'ambiguous') {
        // The earliest of the two instants after the meter's previous row.
        const previous = meter.previousLabelMs;
        if (resolution.earlierUtcMs > previous) labelMs = resolution.earlierUtcMs;
        else if (resolution.laterUtcMs > previous) labelMs = resolution.laterUtcMs;
        else {
          return {
            line,
            field: 'time',
            reason: `local time "${raw}" is ambiguous in ${this.timeZone} (repeated by a DST change) and out of order; write it with a UTC offset`,
          };
        }
      } else {
        labelMs = resolution.utcMs;
      }
    }
    if (labelMs % meter.intervalMs !== 0) return offGrid(line, raw, meter);
    return labelMs;
  }
}

function offGrid(line: number, raw: string, meter: MeterGrid): RowError {
  return { line, field: 'time', reason: `time "${clip(raw)}" is not on the ${describeInterval(meter.intervalSeconds)} grid` };
}

function describeInterval(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60}-minute` : `${seconds}-second`;
}
