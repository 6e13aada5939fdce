import { PAGE_SIZE } from '@meterusage/contracts';
import { isValidTimeZone, notATimeZone } from '@meterusage/time';
import { InvalidArgumentError } from '../errors';

export const DEFAULT_PAGE_SIZE = PAGE_SIZE.default;
export const MAX_PAGE_SIZE = PAGE_SIZE.max;

/** page_size per AIP-158: 0 means the default; negative or above the maximum is refused. */
export function pageSizeOf(requested: number): number {
  if (requested === 0) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(requested) || requested < 0) throw new InvalidArgumentError('page_size', `must not be negative, got ${requested}`);
  if (requested > MAX_PAGE_SIZE) throw new InvalidArgumentError('page_size', `must be at most ${MAX_PAGE_SIZE}, got ${requested}`);
  return requested;
}

/** time_zone: an IANA name; empty means UTC. */
export function timeZoneOf(requested: string): string {
  if (requested === '') return 'UTC';
  if (!isValidTimeZone(requested)) {
    throw new InvalidArgumentError('time_zone', notATimeZone(requested));
  }
  return requested;
}
