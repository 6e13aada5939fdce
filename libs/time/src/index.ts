export { hasWholeHourOffsets, isValidTimeZone, localTimeResolver, startOfLocalDate, type LocalTimeResolution } from './zoned-time';
