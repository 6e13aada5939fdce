import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import { status as GrpcCode } from '@grpc/grpc-js';
import { toGrpcStatus, toServiceError } from '../errors';
import { callLogger, failureLog, type RpcObserver } from './call-logger';

/**
 * Adapts an async function to a grpc-js unary handler: its result is the response, and any
 * error it throws is translated once, by toGrpcStatus. Internal errors are logged, not sent.
 */
export function unary<Request, Response>(
  method: string,
  observer: RpcObserver,
  handle: (request: Request, call: ServerUnaryCall<Request, Response>) => Promise<Response>,
): (call: ServerUnaryCall<Request, Response>, callback: sendUnaryData<Response>) => void {
  return (call, callback) => {
    const startedAt = performance.now();
    const log = callLogger(observer.logger, call);
    const finish = (code: string) => observer.telemetry?.observeRpc(method, code, (performance.now() - startedAt) / 1000);
    handle(call.request, call).then(
      (response) => {
        finish('OK');
        log.debug({ method, ms: Math.round(performance.now() - startedAt) }, 'rpc ok');
        callback(null, response);
      },
      (error: unknown) => {
        // The client went away (its deadline, or it cancelled): nobody reads the status, and the
        // failure is the cancellation's (e.g. a wait for admission given up), not a fault.
        if (call.cancelled) {
          finish('CANCELLED');
          log.info({ method, ms: Math.round(performance.now() - startedAt), cause: (error as Error).message }, 'rpc cancelled (by the client or its deadline)');
          return;
        }
        const status = toGrpcStatus(error);
        finish(GrpcCode[status.code]);
        const report = failureLog(log, status);
        report({ method, code: status.code, err: error, ms: Math.round(performance.now() - startedAt) }, 'rpc failed');
        callback(toServiceError(status), null);
      },
    );
  };
}
