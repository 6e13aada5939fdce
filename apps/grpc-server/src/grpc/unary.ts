import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import { toGrpcStatus, toServiceError } from '../errors';
import type { Logger } from '../logger';
import { callLogger } from './call-logger';

/**
 * Adapts an async function to a grpc-js unary handler: its result is the response, and any
 * error it throws is translated once, by toGrpcStatus. Internal errors are logged, not sent.
 */
export function unary<Request, Response>(
  method: string,
  logger: Logger,
  handle: (request: Request, call: ServerUnaryCall<Request, Response>) => Promise<Response>,
): (call: ServerUnaryCall<Request, Response>, callback: sendUnaryData<Response>) => void {
  return (call, callback) => {
    const startedAt = performance.now();
    const log = callLogger(logger, call);
    handle(call.request, call).then(
      (response) => {
        log.debug({ method, ms: Math.round(performance.now() - startedAt) }, 'rpc ok');
        callback(null, response);
      },
      (error: unknown) => {
        const status = toGrpcStatus(error);
        const report = status.internal ? log.error.bind(log) : log.warn.bind(log);
        report({ method, code: status.code, err: error, ms: Math.round(performance.now() - startedAt) }, 'rpc failed');
        callback(toServiceError(status), null);
      },
    );
  };
}
