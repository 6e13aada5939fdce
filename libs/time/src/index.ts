export { BUCKET_WIDTH_NAMES, bucketBoundaries, type BucketWidthName } from './buckets';
export { addCalendarUnits, calendarUnitAt, isStartOfLocalDay, startOfCalendarUnit, type CalendarUnit } from './calendar';
export { acceptedTimeZones, isValidTimeZone, notATimeZone, narrowTimeZones } from './time-zones';
export {
  formatInstantInZone,
  instantOfWallClock,
  localTimeResolver,
  startOfLocalDate,
  wallClockAt,
  type LocalTimeResolution,
} from './zoned-time';
export { formatPlainDate, formatWallClock, parsePlainDate, parseWallClock, wallClockMsOf } from './wall-clock';
export { parseTimestamp, plainWallClockMs, type ParsedTimestamp } from './timestamp-parse';
