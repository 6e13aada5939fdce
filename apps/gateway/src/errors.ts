import { status as GrpcCode } from '@grpc/grpc-js';

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown[] };
}

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

export interface HttpError {
  statusCode: number;
  body: ErrorBody;
  /** True when the cause must be logged: the body deliberately says little. */
  logCause: boolean;
}

/** Whether an error came from a gRPC call (grpc-js ServiceError). */
export function isGrpcError(error: unknown): error is { code: GrpcCode; details: string } {
  const candidate = error as { code?: unknown; details?: unknown } | null;
  return typeof candidate?.code === 'number' && candidate.code in HTTP_STATUS_OF && typeof candidate.details === 'string';
}

/**
 * Translates a failed gRPC call into an HTTP response. Client errors (4xx) pass the server's
 * precise message through; server errors say what failed without internals (addresses, stacks).
 */
export function grpcErrorToHttp(error: { code: GrpcCode; details: string }, deadlineMs: number): HttpError {
  const statusCode = HTTP_STATUS_OF[error.code] ?? 500;
  const code = GrpcCode[error.code] ?? 'UNKNOWN';
  if (statusCode < 500) return { statusCode, body: { error: { code, message: error.details } }, logCause: false };
  const message =
    error.code === GrpcCode.UNAVAILABLE
      ? 'the meter-usage service is unavailable; retry shortly'
      : error.code === GrpcCode.DEADLINE_EXCEEDED
        ? `the meter-usage service did not answer within ${deadlineMs} ms`
        : error.code === GrpcCode.UNIMPLEMENTED
          ? 'the meter-usage service does not implement this call'
          : 'internal error';
  return { statusCode, body: { error: { code, message } }, logCause: true };
}

/**
 * The gateway's one error translation: gRPC failures through the table above, request
 * validation and Fastify's own client errors as 4xx with their message, anything else as a
 * 500 that reveals nothing (the cause is logged with the request id).
 */
export function toHttpError(error: unknown, deadlineMs: number): HttpError {
  if (isGrpcError(error)) return grpcErrorToHttp(error, deadlineMs);
  const fastifyError = error as { validation?: unknown; statusCode?: unknown; message?: unknown } | null;
  if (fastifyError?.validation !== undefined) {
    return { statusCode: 400, body: { error: { code: 'INVALID_ARGUMENT', message: String(fastifyError.message) } }, logCause: false };
  }
  const statusCode = fastifyError?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    const code = CLIENT_ERROR_CODES[statusCode] ?? 'INVALID_ARGUMENT';
    return { statusCode, body: { error: { code, message: String(fastifyError?.message) } }, logCause: false };
  }
  return { statusCode: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } }, logCause: true };
}

const CLIENT_ERROR_CODES: Record<number, string> = {
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RESOURCE_EXHAUSTED',
};
