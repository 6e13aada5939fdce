import type { StreamSlots } from './stream-limits';
import type { StreamShutdown } from './stream-shutdown';

/**
 * What bounds a streaming call, given explicitly to the stream wrappers (unary calls have none):
 * how many may run at once, how long a client stream may stay silent, and how shutdown ends them.
 */
export interface StreamGuards {
  /** Most calls of each streaming method at once; unbounded when omitted. */
  slots?: StreamSlots;
  /** A client stream that sends nothing for this long is ended (its work rolled back); none when omitted. */
  messageIdleTimeoutMs?: number;
  /** Ends the uploads still running at the end of a shutdown's grace period, with a status saying so. */
  shutdown?: StreamShutdown;
}
