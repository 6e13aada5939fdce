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

/** The running calls of one method and the calls queued for a slot, first come first served. */
class MethodSlots {
  running = 0;
  readonly waiting = new Set<() => void>();

  constructor(readonly limit: number) {}

  release(): void {
    const next = this.waiting.values().next();
    if (next.done === true) {
      this.running--;
      return;
    }
    // The longest-waiting call takes the slot over; the count stays.
    this.waiting.delete(next.value);
    next.value();
  }
}

/**
 * Bounds concurrent calls per method: the long streams, each of which holds a database connection
 * for its whole life, so unbounded streams would starve every other call of the pool. The RPC
 * wrappers take a slot before the handler runs and give it back when the handler's work has
 * settled — not when the client goes away, since a cancelled upload still holds its connection
 * until its rollback is done. A call over the limit waits up to waitMs, then is refused with
 * RESOURCE_EXHAUSTED (HTTP 429 at the gateway).
 */
export class StreamSlots {
  private readonly slotsOf: Map<string, MethodSlots>;

  constructor(
    limits: StreamLimits,
    private readonly options: StreamSlotOptions,
  ) {
    this.slotsOf = new Map(Object.entries(limits).map(([method, limit]) => [method, new MethodSlots(limit)]));
  }

  /** A slot for one call of method (a no-op release for methods without a limit); rejects when refused or when cancelled while waiting. */
  async acquire(method: string, cancelled: AbortSignal): Promise<ReleaseSlot> {
    const slots = this.slotsOf.get(method);
    if (slots === undefined) return () => undefined;
    if (cancelled.aborted) throw cancelled.reason;
    if (slots.running < slots.limit) {
      slots.running++;
      return releaseOnce(slots);
    }
    if (this.options.waitMs <= 0) throw this.refusal(method, slots.limit);
    await new Promise<void>((resolve, reject) => {
      const stopWaiting = () => {
        slots.waiting.delete(granted);
        clearTimeout(timer);
        cancelled.removeEventListener('abort', onCancel);
      };
      const granted = () => {
        stopWaiting();
        resolve();
      };
      const onCancel = () => {
        stopWaiting();
        reject(cancelled.reason as Error);
      };
      const timer = setTimeout(() => {
        stopWaiting();
        reject(this.refusal(method, slots.limit));
      }, this.options.waitMs);
      cancelled.addEventListener('abort', onCancel, { once: true });
      slots.waiting.add(granted);
    });
    return releaseOnce(slots);
  }

  private refusal(method: string, limit: number): ResourceExhaustedError {
    this.options.onRefused?.(method, limit);
    return new ResourceExhaustedError(`${method}: ${limit} calls are already running, the most this server allows at once; retry when one has finished`);
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

function releaseOnce(slots: MethodSlots): ReleaseSlot {
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    slots.release();
  };
}
