import type { sendUnaryData, ServerReadableStream } from '@grpc/grpc-js';
import { toGrpcStatus, toServiceError } from '../errors';
import type { Logger } from '../logger';

/**
 * Adapts an async consumer of a client stream to a grpc-js handler: it reads the messages (the
 * call is an async iterable) and returns the response; thrown errors become the status through
 * toGrpcStatus, like unary calls. A client that cancels makes the consumer fail (and roll back).
 */
export function clientStream<Request, Response>(
  method: string,
  logger: Logger,
  consume: (messages: AsyncIterable<Request>, call: ServerReadableStream<Request, Response>) => Promise<Response>,
): (call: ServerReadableStream<Request, Response>, callback: sendUnaryData<Response>) => void {
  return (call, callback) => {
    const startedAt = performance.now();
    let cancelled = false;
    call.on('cancelled', () => {
      cancelled = true;
      call.destroy(new Error('cancelled by the client'));
    });
    async function* messages(): AsyncGenerator<Request> {
      for await (const message of call as AsyncIterable<Request>) yield message;
      if (cancelled) throw new Error('cancelled by the client');
    }
    consume(messages(), call).then(
      (response) => {
        logger.debug({ method, ms: Math.round(performance.now() - startedAt) }, 'rpc ok');
        callback(null, response);
      },
      (error: unknown) => {
        if (cancelled) {
          logger.info({ method }, 'client stream cancelled by the client; rolled back');
          return;
        }
        const status = toGrpcStatus(error);
        const log = status.internal ? logger.error.bind(logger) : logger.warn.bind(logger);
        log({ method, code: status.code, err: error }, 'rpc failed');
        callback(toServiceError(status), null);
      },
    );
  };
}
