import {
  ResponderBuilder,
  ServerInterceptingCall,
  ServerListenerBuilder,
  status as GrpcCode,
  type ServerInterceptor,
} from '@grpc/grpc-js';

/** At most this many calls of each named method run at once; others are refused at once. */
export type StreamLimits = Readonly<Record<string, number>>;

/** What the interceptor tells the outside world about refusals (e.g. a metrics counter). */
export type OnRefused = (method: string, limit: number) => void;

/**
 * A server interceptor that bounds concurrent calls per method (the long streams: each holds a
 * database connection for its whole life, so unbounded streams would starve every other call of
 * the pool). A call over the limit ends with RESOURCE_EXHAUSTED (HTTP 429 at the gateway) before
 * its handler runs; a slot is freed when the call sends its status or the client cancels it.
 */
export function streamLimitInterceptor(limits: StreamLimits, onRefused?: OnRefused): ServerInterceptor {
  const running = new Map<string, number>();
  return (methodDescriptor, call) => {
    const method = methodDescriptor.path.split('/').pop() ?? methodDescriptor.path;
    const limit = limits[method];
    if (limit === undefined) return new ServerInterceptingCall(call);

    let holdsSlot = false;
    const release = () => {
      if (!holdsSlot) return;
      holdsSlot = false;
      running.set(method, (running.get(method) ?? 1) - 1);
    };
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        const current = running.get(method) ?? 0;
        if (current >= limit) {
          onRefused?.(method, limit);
          call.sendStatus({
            code: GrpcCode.RESOURCE_EXHAUSTED,
            details: `${method}: ${limit} calls are already running, the most this server allows at once; retry when one has finished`,
          });
          return;
        }
        running.set(method, current + 1);
        holdsSlot = true;
        next(metadata);
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
