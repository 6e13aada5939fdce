import type { Metadata } from '@grpc/grpc-js';
import type { GrpcStatus } from '../errors';
import type { Logger } from '../logger';
import type { ServerMetrics } from '../metrics';
import type { StreamSlots } from './stream-limits';
import type { StreamShutdown } from './stream-shutdown';

/** Where the RPC wrappers report (logs always, metrics when the server keeps them), and the stream limits they enforce. */
export interface RpcObserver {
  logger: Logger;
  metrics?: ServerMetrics;
  streamSlots?: StreamSlots;
  /** A client stream that sends nothing for this long is ended (its work rolled back); none when omitted. */
  messageIdleTimeoutMs?: number;
  /** Ends the uploads still running at the end of a shutdown's grace period, with a status saying so. */
  streamShutdown?: StreamShutdown;
}

/** The logger of one call: with the caller's x-request-id (the gateway sends it), so both logs join up. */
export function callLogger(logger: Logger, call: { metadata: Metadata }): Logger {
  const requestId = call.metadata.get('x-request-id')[0];
  return typeof requestId === 'string' && /^[\w.:-]{1,128}$/.test(requestId) ? logger.child({ requestId }) : logger;
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
