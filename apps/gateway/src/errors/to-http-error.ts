import { TimeOutsideRfc3339Error } from '@meterusage/contracts';
import { errorBody, invalidArgumentBody } from './error-body';
import { frameworkErrorBody } from './framework-errors';
import { grpcErrorToHttp, isGrpcError } from './grpc-to-http';
import { BadRequestError, HttpStatusError, type HttpError } from './http-errors';
import { schemaViolations, type AjvError } from './schema-errors';

/**
 * The gateway's one error translation: gRPC failures through grpc-to-http.ts, request
 * validation and Fastify's own client errors as 4xx with their message, anything else as a
 * 500 that reveals nothing (the cause is logged with the request id).
 */
export function toHttpError(error: unknown, deadlineMs: number): HttpError {
  if (isGrpcError(error)) return grpcErrorToHttp(error, deadlineMs);
  if (error instanceof HttpStatusError) {
    return {
      statusCode: error.statusCode,
      body: errorBody(error.code, error.message),
      logLevel: 'debug',
      ...(error.headers ? { headers: error.headers } : {}),
    };
  }
  if (error instanceof TimeOutsideRfc3339Error) return { statusCode: 400, body: errorBody('OUT_OF_RANGE', error.message), logLevel: 'debug' };
  if (error instanceof BadRequestError) {
    return { statusCode: 400, body: invalidArgumentBody([{ field: error.field, description: error.description }]), logLevel: 'debug' };
  }
  const fastifyError = error as { validation?: AjvError[]; statusCode?: unknown; code?: unknown } | null;
  if (Array.isArray(fastifyError?.validation)) {
    return { statusCode: 400, body: invalidArgumentBody(schemaViolations(fastifyError.validation)), logLevel: 'debug' };
  }
  const statusCode = fastifyError?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return { statusCode, body: frameworkErrorBody(statusCode, fastifyError?.code), logLevel: 'debug' };
  }
  return { statusCode: 500, body: errorBody('INTERNAL', 'internal error'), logLevel: 'error' };
}
