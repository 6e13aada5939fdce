import { status as GrpcCode, type Metadata } from '@grpc/grpc-js';
import { badRequestViolations, RETRY_PUSHBACK_TRAILER, STATUS_DETAILS_TRAILER, STATUS_ORIGIN_TRAILER } from '@meterusage/contracts';
import { errorBody, invalidArgumentBody } from './error-body';
import type { FailureLogLevel, HttpError } from './http-errors';
import { toHttpViolation } from './http-field-names';

// google/rpc/code.proto's HTTP mapping, the one gRPC → HTTP table of the gateway.
const HTTP_STATUS_OF: Record<GrpcCode, number> = {
  [GrpcCode.OK]: 200,
  [GrpcCode.CANCELLED]: 499,
  [GrpcCode.UNKNOWN]: 500,
  [GrpcCode.INVALID_ARGUMENT]: 400,
  [GrpcCode.DEADLINE_EXCEEDED]: 504,
  [GrpcCode.NOT_FOUND]: 404,
  [GrpcCode.ALREADY_EXISTS]: 409,
  [GrpcCode.PERMISSION_DENIED]: 403,
  [GrpcCode.RESOURCE_EXHAUSTED]: 429,
  [GrpcCode.FAILED_PRECONDITION]: 400,
  [GrpcCode.ABORTED]: 409,
  [GrpcCode.OUT_OF_RANGE]: 400,
  [GrpcCode.UNIMPLEMENTED]: 501,
  [GrpcCode.INTERNAL]: 500,
  [GrpcCode.UNAVAILABLE]: 503,
  [GrpcCode.DATA_LOSS]: 500,
  [GrpcCode.UNAUTHENTICATED]: 401,
};

// A refused stream waits for another to finish; exports and uploads take seconds, not minutes.
const RETRY_AFTER_SECONDS_WHEN_BUSY = '5';

/** A failed gRPC call as grpc-js reports it (ServiceError). */
export interface GrpcFailure {
  code: GrpcCode;
  details: string;
  /** Trailers of a status grpc-server sent; empty for one grpc-js made up (a local deadline, a lost connection). */
  metadata?: Metadata;
}

/** Whether an error came from a gRPC call (grpc-js ServiceError). */
export function isGrpcError(error: unknown): error is GrpcFailure {
  const candidate = error as { code?: unknown; details?: unknown } | null;
  return typeof candidate?.code === 'number' && candidate.code in HTTP_STATUS_OF && typeof candidate.details === 'string';
}

/**
 * Translates a failed gRPC call into an HTTP response. Client errors (4xx) pass the server's
 * precise message through; an INVALID_ARGUMENT's fields come from its status details
 * (google.rpc.BadRequest), renamed to the query's. Server errors say what failed without
 * internals (addresses, stacks): grpc-server's own message when it wrote one (an upload idle too
 * long, a shutdown, the database gone), else a message of ours.
 */
export function grpcErrorToHttp(error: GrpcFailure, deadlineMs: number): HttpError {
  const statusCode = HTTP_STATUS_OF[error.code] ?? 500;
  const code = GrpcCode[error.code] ?? 'UNKNOWN';
  if (statusCode < 500) {
    const violations =
      error.code === GrpcCode.INVALID_ARGUMENT ? badRequestViolations(error.metadata?.get(STATUS_DETAILS_TRAILER)[0] as Buffer | undefined) : [];
    // RFC 6750: a 401 names the scheme the client should use.
    const headers: Record<string, string> | undefined =
      error.code === GrpcCode.RESOURCE_EXHAUSTED
        ? { 'retry-after': RETRY_AFTER_SECONDS_WHEN_BUSY }
        : error.code === GrpcCode.UNAUTHENTICATED
          ? { 'www-authenticate': 'Bearer realm="meterusage"' }
          : undefined;
    return {
      statusCode,
      body: violations.length > 0 ? invalidArgumentBody(violations.map(toHttpViolation)) : errorBody(code, error.details),
      logLevel: 'debug',
      ...(headers ? { headers } : {}),
    };
  }
  // grpc-server words these two for clients (an upload idle too long or ended by shutdown, the
  // database gone); anything internal stays behind "internal error" whoever sent it.
  const worded =
    (error.code === GrpcCode.UNAVAILABLE || error.code === GrpcCode.DEADLINE_EXCEEDED) && error.metadata?.get(STATUS_ORIGIN_TRAILER)[0] === 'grpc-server';
  const message = worded
    ? error.details
    : error.code === GrpcCode.UNAVAILABLE
      ? 'the meter-usage service is unavailable; retry shortly'
      : error.code === GrpcCode.DEADLINE_EXCEEDED
        ? `the meter-usage service did not answer within ${deadlineMs} ms`
        : error.code === GrpcCode.UNIMPLEMENTED
          ? 'the meter-usage service does not implement this call'
          : 'internal error';
  // A busy or starting grpc-server says when to come back (gRFC A6 pushback): 503 + Retry-After, the
  // answer of a server that is full for everyone (429 is for one client over its own limit).
  const pushbackMs = worded ? Number(error.metadata?.get(RETRY_PUSHBACK_TRAILER)[0]) : Number.NaN;
  const headers = Number.isFinite(pushbackMs) && pushbackMs >= 0 ? { 'retry-after': String(Math.max(1, Math.ceil(pushbackMs / 1000))) } : undefined;
  // A refusal that says when to retry is by design, its body says all, and grpc-server counts it: logging each would bury the rest under overload.
  const logLevel: FailureLogLevel =
    headers !== undefined || (error.code === GrpcCode.UNAVAILABLE && !worded)
      ? 'debug'
      : error.code === GrpcCode.UNAVAILABLE || error.code === GrpcCode.DEADLINE_EXCEEDED
        ? 'warn'
        : 'error';
  return { statusCode, body: errorBody(code, message), logLevel, ...(headers ? { headers } : {}) };
}
