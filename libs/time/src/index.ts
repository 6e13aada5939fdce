export { isValidTimeZone, localTimeResolver, startOfLocalDate, type LocalTimeResolution } from './zoned-time';
