import {
  ResponderBuilder,
  ServerInterceptingCall,
  ServerListenerBuilder,
  status as GrpcCode,
  type ServerInterceptor,
} from '@grpc/grpc-js';

/** At most this many calls of each named method run at once. */
export type StreamLimits = Readonly<Record<string, number>>;

export interface StreamLimitOptions {
  /** How long a call over the limit may wait for a slot before it is refused (0 = refuse at once). */
  waitMs: number;
  /** Told about each refusal (e.g. a metrics counter). */
  onRefused?: (method: string, limit: number) => void;
}

/** The running calls of one method and the calls queued for a slot, first come first served. */
class Slots {
  running = 0;
  readonly waiting = new Set<() => void>();

  constructor(readonly limit: number) {}

  /** Frees a slot: the longest-waiting call takes it over, else the count drops. */
  release(): void {
    const next = this.waiting.values().next();
    if (next.done === true) {
      this.running--;
      return;
    }
    this.waiting.delete(next.value);
    next.value();
  }
}

/**
 * A server interceptor that bounds concurrent calls per method (the long streams: each holds a
 * database connection for its whole life, so unbounded streams would starve every other call of
 * the pool). A call over the limit waits up to waitMs for a slot, then ends with
 * RESOURCE_EXHAUSTED (HTTP 429 at the gateway) without its handler having run. A slot is freed when
 * the call sends its status or the client cancels it.
 */
export function streamLimitInterceptor(limits: StreamLimits, options: StreamLimitOptions): ServerInterceptor {
  const slotsOf = new Map(Object.entries(limits).map(([method, limit]) => [method, new Slots(limit)]));
  return (methodDescriptor, call) => {
    const method = methodDescriptor.path.split('/').pop() ?? methodDescriptor.path;
    const slots = slotsOf.get(method);
    if (slots === undefined) return new ServerInterceptingCall(call);

    let holdsSlot = false;
    let stopWaiting: (() => void) | undefined;
    const release = () => {
      stopWaiting?.();
      if (!holdsSlot) return;
      holdsSlot = false;
      slots.release();
    };
    const refuse = () => {
      options.onRefused?.(method, slots.limit);
      call.sendStatus({
        code: GrpcCode.RESOURCE_EXHAUSTED,
        details: `${method}: ${slots.limit} calls are already running, the most this server allows at once; retry when one has finished`,
      });
    };
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        const start = () => {
          holdsSlot = true;
          next(metadata);
        };
        if (slots.running < slots.limit) {
          slots.running++;
          start();
          return;
        }
        if (options.waitMs <= 0) {
          refuse();
          return;
        }
        const granted = () => {
          stopWaiting = undefined;
          clearTimeout(timer);
          start();
        };
        const timer = setTimeout(() => {
          slots.waiting.delete(granted);
          stopWaiting = undefined;
          refuse();
        }, options.waitMs);
        stopWaiting = () => {
          slots.waiting.delete(granted);
          clearTimeout(timer);
          stopWaiting = undefined;
        };
        slots.waiting.add(granted);
      })
      .withOnCancel(release)
      .build();
    const responder = new ResponderBuilder()
      .withStart((next) => next(listener))
      .withSendStatus((callStatus, next) => {
        release();
        next(callStatus);
      })
      .build();
    return new ServerInterceptingCall(call, responder);
  };
}
