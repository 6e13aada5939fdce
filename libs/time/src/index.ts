export { acceptedTimeZones, isValidTimeZone, narrowTimeZones } from './time-zones';
export { hasWholeHourOffsets, localTimeResolver, startOfLocalDate, type LocalTimeResolution } from './zoned-time';
