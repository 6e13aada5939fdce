export { BUCKET_WIDTH_NAMES, bucketBoundaries, type BucketWidthName } from './buckets';
export { addCalendarUnits, calendarUnitAt, isStartOfLocalDay, startOfCalendarUnit, type CalendarUnit } from './calendar';
export { acceptedTimeZones, isValidTimeZone, notATimeZone, narrowTimeZones } from './time-zones';
export { formatInstantInZone, instantOfWallClock, localTimeResolver, startOfLocalDate, wallClockAt, type LocalTimeResolution } from './zoned-time';
export { formatPlainDate, formatWallClock, parsePlainDate, parseWallClock, wallClockMsOf } from './wall-clock';
export { parseTimestamp, plainWallClockMs, type ParsedTimestamp } from './timestamp-parse';
/** The HTTP API's RFC 3339 instants: the date-time pattern, and the parse to epoch ms or the reason it is not one. */
export { parseRfc3339Instant, RFC3339_TIMESTAMP, type Rfc3339Instant, type Rfc3339Refusal } from './timestamp-parse';
export { alignBuckets, comparedRange, comparisonShift, COMPARISON_NAMES, type ComparisonName, type ComparisonShift } from './comparison';
