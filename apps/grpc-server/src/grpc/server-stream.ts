import type { ServerWritableStream } from '@grpc/grpc-js';
import { once } from 'node:events';
import { status as GrpcCode } from '@grpc/grpc-js';
import { toGrpcStatus, toServiceError } from '../errors';
import { callLogger, failureLog, type RpcObserver } from './call-logger';
import type { StreamGuards } from './stream-guards';
import { withStreamSlot } from './stream-limits';

/** Writes one message, waiting for the transport to drain when its buffer is full (backpressure). */
export type StreamWriter<Response> = (message: Response) => Promise<void>;

/** Thrown inside a stream handler once the client has cancelled: stop producing, quietly. */
export class StreamCancelled extends Error {}

/**
 * Adapts an async producer to a grpc-js server-streaming handler: write() respects backpressure
 * and throws StreamCancelled after the client went away; a thrown error becomes the call's status
 * through toGrpcStatus, like unary calls.
 */
export function serverStream<Request, Response>(
  method: string,
  observer: RpcObserver,
  guards: Pick<StreamGuards, 'slots'>,
  produce: (request: Request, write: StreamWriter<Response>, call: ServerWritableStream<Request, Response>) => Promise<void>,
): (call: ServerWritableStream<Request, Response>) => void {
  return (call) => {
    const startedAt = performance.now();
    const log = callLogger(observer.logger, call);
    const finish = (code: string) => observer.telemetry?.observeRpc(method, code, (performance.now() - startedAt) / 1000);
    const cancellation = new AbortController();
    const cancelled = () => cancellation.signal.aborted;
    call.on('cancelled', () => {
      cancellation.abort(new StreamCancelled());
      call.emit('drain'); // wake a writer waiting for drain so it notices
    });
    const write: StreamWriter<Response> = async (message) => {
      if (cancelled()) throw new StreamCancelled();
      if (!call.write(message)) await once(call, 'drain');
      if (cancelled()) throw new StreamCancelled();
    };
    withStreamSlot(guards.slots, method, cancellation.signal, () => produce(call.request, write, call)).then(
      () => {
        finish('OK');
        log.debug({ method, ms: Math.round(performance.now() - startedAt) }, 'stream ok');
        call.end();
      },
      (error: unknown) => {
        if (error instanceof StreamCancelled || cancelled()) {
          finish('CANCELLED');
          log.info({ method, ms: Math.round(performance.now() - startedAt) }, 'stream cancelled (by the client, its deadline, or shutdown)');
          return;
        }
        const status = toGrpcStatus(error);
        finish(GrpcCode[status.code]);
        const report = failureLog(log, status);
        report({ method, code: status.code, err: error }, 'stream failed');
        // grpc-js turns an 'error' event into the call's final status (destroy() would send none).
        call.emit('error', toServiceError(status));
      },
    );
  };
}
