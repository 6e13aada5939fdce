import { Admission } from '../admission';
import { ResourceExhaustedError } from '../errors';

/** At most this many calls of each named method run at once. */
export type StreamLimits = Readonly<Record<string, number>>;

export interface StreamSlotOptions {
  /** How long a call over the limit may wait for a slot before it is refused (0 = refuse at once). */
  waitMs: number;
  /** Told about each refusal (e.g. a metrics counter). */
  onRefused?: (method: string, limit: number) => void;
}

/** Frees the slot a call held; calling it again does nothing. */
export type ReleaseSlot = () => void;

/**
 * Bounds concurrent calls per method: the long streams, each of which holds a database connection
 * for its whole life, so unbounded streams would starve every other call of the pool. The RPC
 * wrappers take a slot before the handler runs and give it back when the handler's work has
 * settled — not when the client goes away, since a cancelled upload still holds its connection
 * until its rollback is done. A call over the limit waits up to waitMs (first come first served,
 * in the server's one Admission), then is refused with RESOURCE_EXHAUSTED (HTTP 429 at the gateway).
 */
export class StreamSlots {
  private readonly slotsOf: Map<string, Admission>;

  constructor(limits: StreamLimits, options: StreamSlotOptions) {
    this.slotsOf = new Map(
      Object.entries(limits).map(([method, limit]) => [
        method,
        // waitMs 0 refuses at once: a queue of none.
        new Admission({ capacity: limit, waitMs: options.waitMs, queueMax: options.waitMs <= 0 ? 0 : Number.POSITIVE_INFINITY }, () => {
          options.onRefused?.(method, limit);
          return new ResourceExhaustedError(`${method}: ${limit} calls are already running, the most this server allows at once; retry when one has finished`);
        }),
      ]),
    );
  }

  /** A slot for one call of method (a no-op release for methods without a limit); rejects when refused or when cancelled while waiting. */
  acquire(method: string, cancelled: AbortSignal): Promise<ReleaseSlot> {
    const slots = this.slotsOf.get(method);
    return slots === undefined ? Promise.resolve(() => undefined) : slots.admit(1, cancelled);
  }
}

/**
 * Runs a call's work inside a slot of its method, when there are limits: the slot is held until
 * the work has settled (a cancelled upload until its rollback is done, an export until its cursor
 * is closed), not merely until the client left.
 */
export async function withStreamSlot<T>(slots: StreamSlots | undefined, method: string, cancelled: AbortSignal, work: () => Promise<T>): Promise<T> {
  const release = slots === undefined ? undefined : await slots.acquire(method, cancelled);
  try {
    return await work();
  } finally {
    release?.();
  }
}
