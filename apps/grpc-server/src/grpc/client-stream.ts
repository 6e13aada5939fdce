import type { sendUnaryData, ServerReadableStream } from '@grpc/grpc-js';
import { status as GrpcCode } from '@grpc/grpc-js';
import { ClientIdleError, ShuttingDownError, toGrpcStatus, toServiceError } from '../errors';
import { callLogger, failureLog, type RpcObserver } from './call-logger';
import type { StreamGuards } from './stream-guards';
import { withStreamSlot } from './stream-limits';

/**
 * Adapts an async consumer of a client stream to a grpc-js handler: it reads the messages (the
 * call is an async iterable) and returns the response; thrown errors become the status through
 * toGrpcStatus, like unary calls. A client that cancels aborts the signal given to the consumer.
 */
export function clientStream<Request, Response>(
  method: string,
  observer: RpcObserver,
  guards: StreamGuards,
  consume: (messages: AsyncIterable<Request>, cancelled: AbortSignal, call: ServerReadableStream<Request, Response>) => Promise<Response>,
): (call: ServerReadableStream<Request, Response>, callback: sendUnaryData<Response>) => void {
  return (call, callback) => {
    const startedAt = performance.now();
    const log = callLogger(observer.logger, call);
    const finish = (code: string) => observer.telemetry?.observeRpc(method, code, (performance.now() - startedAt) / 1000);
    // grpc-js may end the message stream of a cancelled call as if the client had finished it, so
    // consumers must also check this signal before they commit anything.
    const cancellation = new AbortController();
    call.on('cancelled', () => cancellation.abort(new Error('cancelled (by the client, its deadline, or shutdown)')));
    const cancelled = () => cancellation.signal.aborted;
    // A cancelled call's iterator can also stay pending forever (a cancel that never arrives, a
    // client that stalls): every read races the signal and, when set, the idle timeout.
    async function* messages(): AsyncGenerator<Request> {
      const iterator = (call as AsyncIterable<Request>)[Symbol.asyncIterator]();
      for (;;) {
        const next = await nextOrAbort(iterator, cancellation.signal, guards.messageIdleTimeoutMs);
        if (next.done === true) break;
        yield next.value;
      }
      if (cancelled()) throw cancellation.signal.reason;
    }
    const work = () => withStreamSlot(guards.slots, method, cancellation.signal, () => consume(messages(), cancellation.signal, call));
    (guards.shutdown?.run(cancellation, work) ?? work()).then(
      (response) => {
        finish('OK');
        log.debug({ method, ms: Math.round(performance.now() - startedAt) }, 'rpc ok');
        callback(null, response);
      },
      (error: unknown) => {
        if (cancelled() && !(cancellation.signal.reason instanceof ShuttingDownError)) {
          finish('CANCELLED');
          log.info({ method }, 'client stream cancelled (by the client, its deadline, or shutdown); rolled back');
          return;
        }
        // Ended by shutdown: the client is told so (UNAVAILABLE, send again), whatever the work threw on the way out.
        const status = toGrpcStatus(cancelled() ? cancellation.signal.reason : error);
        finish(GrpcCode[status.code]);
        const report = failureLog(log, status);
        report({ method, code: status.code, err: error }, 'rpc failed');
        callback(toServiceError(status), null);
      },
    );
  };
}

/**
 * The next message, or the abort reason, or a ClientIdleError once idleMs pass without one. The
 * listener and timer are removed once next() settles: racing against one long-lived promise
 * instead kept every received chunk reachable until the call ended.
 */
function nextOrAbort<T>(iterator: AsyncIterator<T>, signal: AbortSignal, idleMs: number | undefined): Promise<IteratorResult<T>> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    const settle = () => {
      signal.removeEventListener('abort', onAbort);
      clearTimeout(timer);
    };
    const onAbort = () => {
      settle();
      reject(signal.reason as Error);
    };
    const timer =
      idleMs === undefined
        ? undefined
        : setTimeout(() => {
            settle();
            reject(new ClientIdleError(idleMs));
          }, idleMs);
    signal.addEventListener('abort', onAbort, { once: true });
    // The iterator's own rejection reason is passed on as it is.
    iterator.next().finally(settle).then(resolve, reject);
  });
}
