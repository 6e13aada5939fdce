import type { Metadata } from '@grpc/grpc-js';
import { keyNameOf } from '../access/caller';
import type { GrpcStatus } from '../errors';
import type { Logger } from '../logger';
import type { Telemetry } from '../prometheus';

/** Where the RPC wrappers report: logs always, metrics when the server keeps them. Limits are not its business (StreamGuards). */
export interface RpcObserver {
  logger: Logger;
  telemetry?: Telemetry;
}

/**
 * The logger of one call: with the caller's x-request-id (the gateway sends it), so both logs join
 * up, and the name of the API key it was authorized with (never its secret).
 */
export function callLogger(logger: Logger, call: { metadata: Metadata }): Logger {
  const requestId = call.metadata.get('x-request-id')[0];
  const key = keyNameOf(call);
  const bindings = {
    ...(typeof requestId === 'string' && /^[\w.:-]{1,128}$/.test(requestId) ? { requestId } : {}),
    ...(key === undefined ? {} : { key }),
  };
  return Object.keys(bindings).length === 0 ? logger : logger.child(bindings);
}

/**
 * The level a failed call is logged at: error when its cause is hidden from the client, debug when
 * the server refused it by design and said when to retry (busy, starting: counted in the metrics,
 * and one line per refused call would bury the rest under overload), warn otherwise.
 */
export function failureLog(log: Logger, status: GrpcStatus): Logger['warn'] {
  if (status.internal) return log.error.bind(log);
  return status.retryAfterMs === undefined ? log.warn.bind(log) : log.debug.bind(log);
}
