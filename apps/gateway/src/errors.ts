import { status as GrpcCode } from '@grpc/grpc-js';

/** One invalid request field, named as the HTTP API names it. */
export interface FieldViolation {
  field: string;
  description: string;
}

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string; details?: FieldViolation[] };
}

/** A request the gateway itself refuses before calling grpc-server: 400 naming the field. */
export class BadRequestError extends Error {
  constructor(
    readonly field: string,
    readonly description: string,
  ) {
    super(`${field}: ${description}`);
    this.name = 'BadRequestError';
  }
}

/** A refusal with its own HTTP status, e.g. 413 for an upload over the limit. */
export class HttpStatusError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpStatusError';
  }
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

// grpc-server names request fields as the proto does; the HTTP API names them as query parameters.
const HTTP_FIELD_OF: Record<string, string> = {
  meter_id: 'meter',
  start_time: 'from',
  end_time: 'to',
  time_zone: 'tz',
  bucket_width: 'bucket',
  page_size: 'page_size',
  page_token: 'page_token',
};

export interface HttpError {
  statusCode: number;
  body: ErrorBody;
  /** True when the cause must be logged: the body deliberately says little. */
  logCause: boolean;
  /** Response headers that belong to the error, e.g. Retry-After of a 429. */
  headers?: Record<string, string>;
}

// A refused stream waits for another to finish; exports and uploads take seconds, not minutes.
const RETRY_AFTER_SECONDS_WHEN_BUSY = '5';

/** Whether an error came from a gRPC call (grpc-js ServiceError). */
export function isGrpcError(error: unknown): error is { code: GrpcCode; details: string } {
  const candidate = error as { code?: unknown; details?: unknown } | null;
  return typeof candidate?.code === 'number' && candidate.code in HTTP_STATUS_OF && typeof candidate.details === 'string';
}

/**
 * Translates a failed gRPC call into an HTTP response. Client errors (4xx) pass the server's
 * precise message through (field names translated to the query's); server errors say what failed
 * without internals (addresses, stacks).
 */
export function grpcErrorToHttp(error: { code: GrpcCode; details: string }, deadlineMs: number): HttpError {
  const statusCode = HTTP_STATUS_OF[error.code] ?? 500;
  const code = GrpcCode[error.code] ?? 'UNKNOWN';
  if (statusCode < 500) {
    const violation = error.code === GrpcCode.INVALID_ARGUMENT ? fieldViolationOf(error.details) : undefined;
    const message = violation ? `${violation.field}: ${violation.description}` : error.details;
    const headers = error.code === GrpcCode.RESOURCE_EXHAUSTED ? { 'retry-after': RETRY_AFTER_SECONDS_WHEN_BUSY } : undefined;
    return {
      statusCode,
      body: { error: { code, message, ...(violation ? { details: [violation] } : {}) } },
      logCause: false,
      ...(headers ? { headers } : {}),
    };
  }
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

/** "start_time: must be before end_time" → { field: "from", description: "must be before to" }. */
function fieldViolationOf(details: string): FieldViolation | undefined {
  const match = /^([a-z_]+): (.*)$/s.exec(details);
  if (match === null) return undefined;
  const rename = (text: string) => text.replace(/\b(meter_id|start_time|end_time|time_zone|bucket_width)\b/g, (name) => HTTP_FIELD_OF[name] ?? name);
  return { field: HTTP_FIELD_OF[match[1]!] ?? match[1]!, description: rename(match[2]!) };
}

interface AjvError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: { missingProperty?: string; additionalProperty?: string; allowedValues?: unknown[] };
}

/** ajv's errors as field violations: "/page_size must be >= 1" → { field: "page_size", description: "must be >= 1" }. */
function validationViolations(errors: AjvError[]): FieldViolation[] {
  const violations = errors
    .filter((error) => error.keyword !== 'anyOf' || errors.length === 1)
    .map((error) => {
      const field = error.params?.missingProperty ?? error.instancePath?.replace(/^\//, '').replace(/\//g, '.') ?? '';
      if (error.params?.additionalProperty !== undefined) {
        return { field: error.params.additionalProperty, description: 'is not a parameter of this route' };
      }
      const allowed = error.params?.allowedValues ? `: ${error.params.allowedValues.join(', ')}` : '';
      return { field: field || '(request)', description: `${error.message ?? 'is invalid'}${allowed}` };
    });
  // anyOf (RFC 3339 or date) reports each alternative; one line per field says it better.
  const seen = new Set<string>();
  return violations.filter((violation) => !seen.has(violation.field) && seen.add(violation.field));
}

/**
 * The gateway's one error translation: gRPC failures through the table above, request
 * validation and Fastify's own client errors as 4xx with their message, anything else as a
 * 500 that reveals nothing (the cause is logged with the request id).
 */
export function toHttpError(error: unknown, deadlineMs: number): HttpError {
  if (isGrpcError(error)) return grpcErrorToHttp(error, deadlineMs);
  if (error instanceof HttpStatusError) {
    return { statusCode: error.statusCode, body: { error: { code: error.code, message: error.message } }, logCause: false };
  }
  if (error instanceof BadRequestError) {
    const violation = { field: error.field, description: error.description };
    return { statusCode: 400, body: { error: { code: 'INVALID_ARGUMENT', message: error.message, details: [violation] } }, logCause: false };
  }
  const fastifyError = error as { validation?: AjvError[]; statusCode?: unknown; message?: unknown } | null;
  if (Array.isArray(fastifyError?.validation)) {
    const details = validationViolations(fastifyError.validation);
    const message = details.map((detail) => `${detail.field}: ${detail.description}`).join('; ');
    return { statusCode: 400, body: { error: { code: 'INVALID_ARGUMENT', message, details } }, logCause: false };
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

/**
 * The raw HTTP/1.1 response to a request Node's parser refused (bad bytes in the request line, a
 * header section over the limit): the gateway's JSON error body, then the connection closes.
 */
export function rawClientErrorResponse(error: Error & { code?: string }): string {
  const [statusLine, body]: [string, ErrorBody] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? ['431 Request Header Fields Too Large', { error: { code: 'REQUEST_HEADER_FIELDS_TOO_LARGE', message: 'the request line and headers exceed 16 KiB; send long parameters in fewer or shorter values' } }]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ['408 Request Timeout', { error: { code: 'REQUEST_TIMEOUT', message: 'the request did not arrive in time' } }]
        : ['400 Bad Request', { error: { code: 'INVALID_ARGUMENT', message: 'malformed HTTP request: the request line or a header could not be parsed' } }];
  const json = JSON.stringify(body);
  return `HTTP/1.1 ${statusLine}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`;
}
