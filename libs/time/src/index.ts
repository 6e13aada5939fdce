export { bucketBoundaries, type BucketWidthName } from './buckets';
export { acceptedTimeZones, isValidTimeZone, narrowTimeZones } from './time-zones';
export { localTimeResolver, startOfLocalDate, type LocalTimeResolution } from './zoned-time';
