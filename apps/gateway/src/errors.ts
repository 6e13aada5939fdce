import { status as GrpcCode, type Metadata } from '@grpc/grpc-js';
import { METER_ID_PATTERN } from '@meterusage/config';
import { RETRY_PUSHBACK_TRAILER, STATUS_ORIGIN_TRAILER } from '@meterusage/contracts';

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

/** A refusal with its own HTTP status, e.g. 413 for an upload over the limit, and the headers that belong to it (Allow of a 405). */
export class HttpStatusError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly headers?: Record<string, string>,
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

export type FailureLogLevel = 'error' | 'warn' | 'debug';

export interface HttpError {
  statusCode: number;
  body: ErrorBody;
  /**
   * How loudly the failure is logged: 'error' (with the stack) for a fault of ours (5xx but 503/504),
   * 'warn' without a stack for grpc-server reporting itself unavailable or slow, 'debug' for a
   * client's mistake, a busy refusal and a grpc-server out of reach (the channel's watcher reports
   * that once, when it happens, not with every request).
   */
  logLevel: FailureLogLevel;
  /** Response headers that belong to the error, e.g. Retry-After of a 429. */
  headers?: Record<string, string>;
}


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
 * precise message through (field names translated to the query's); server errors say what failed
 * without internals (addresses, stacks): grpc-server's own message when it wrote one (an upload
 * idle too long, a shutdown, the database gone), else a message of ours.
 */
export function grpcErrorToHttp(error: GrpcFailure, deadlineMs: number): HttpError {
  const statusCode = HTTP_STATUS_OF[error.code] ?? 500;
  const code = GrpcCode[error.code] ?? 'UNKNOWN';
  if (statusCode < 500) {
    const violation = error.code === GrpcCode.INVALID_ARGUMENT ? fieldViolationOf(error.details) : undefined;
    const message = violation ? `${violation.field}: ${violation.description}` : error.details;
    const headers = error.code === GrpcCode.RESOURCE_EXHAUSTED ? { 'retry-after': RETRY_AFTER_SECONDS_WHEN_BUSY } : undefined;
    return {
      statusCode,
      body: { error: { code, message, ...(violation ? { details: [violation] } : {}) } },
      logLevel: 'debug',
      ...(headers ? { headers } : {}),
    };
  }
  // grpc-server words these two for clients (an upload idle too long or ended by shutdown, the
  // database gone); anything internal stays behind "internal error" whoever sent it.
  const worded = (error.code === GrpcCode.UNAVAILABLE || error.code === GrpcCode.DEADLINE_EXCEEDED) && error.metadata?.get(STATUS_ORIGIN_TRAILER)[0] === 'grpc-server';
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
  return { statusCode, body: { error: { code, message } }, logLevel, ...(headers ? { headers } : {}) };
}

/** "start_time: must be before end_time" → { field: "from", description: "must be before to" }. */
function fieldViolationOf(details: string): FieldViolation | undefined {
  const match = /^([a-z_]+): (.*)$/s.exec(details);
  if (match === null) return undefined;
  const rename = (text: string) => text.replace(/\b(meter_id|start_time|end_time|time_zone|bucket_width)\b/g, (name) => HTTP_FIELD_OF[name] ?? name);
  return { field: HTTP_FIELD_OF[match[1]!] ?? match[1]!, description: rename(match[2]!) };
}

/** One ajv error, with the schema and data ajv adds in verbose mode. */
interface AjvError {
  instancePath?: string;
  keyword?: string;
  schemaPath?: string;
  params?: { missingProperty?: string; additionalProperty?: string };
  parentSchema?: FieldSchema;
  data?: unknown;
}

/** The parts of a parameter's JSON schema its rule is written from. */
interface FieldSchema {
  type?: string;
  enum?: unknown[];
  anyOf?: FieldSchema[];
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  properties?: Record<string, unknown>;
}

// What a format or a pattern asks for, in words; a schema only says it in regex.
const FORMAT_NOUNS: Record<string, string> = {
  'date-time': 'an RFC 3339 timestamp (2019-01-01T00:00:00Z)',
  date: 'a date (2019-01-01)',
};
const PATTERN_RULES: Record<string, string> = {
  [METER_ID_PATTERN.source]: "must be 1 to 64 letters, digits, '.', '_', ':' or '-'",
};

/**
 * The rule a parameter's schema states, in our words: "must be an integer from 1 to 10000",
 * "must be one of 15m, hour, day". The one wording of every schema keyword the routes use.
 */
export function ruleOf(schema: FieldSchema): string {
  if (schema.enum !== undefined) return `must be one of ${schema.enum.join(', ')}`;
  if (schema.anyOf !== undefined) return `must be ${schema.anyOf.map((branch) => FORMAT_NOUNS[branch.format ?? ''] ?? ruleOf(branch)).join(' or ')}`;
  if (schema.format !== undefined) return `must be ${FORMAT_NOUNS[schema.format] ?? `in ${schema.format} format`}`;
  if (schema.pattern !== undefined) return PATTERN_RULES[schema.pattern] ?? 'has characters this parameter does not allow';
  if (schema.type === 'integer' || schema.type === 'number') {
    const noun = schema.type === 'integer' ? 'an integer' : 'a number';
    if (schema.minimum !== undefined && schema.maximum !== undefined) return `must be ${noun} from ${schema.minimum} to ${schema.maximum}`;
    if (schema.minimum !== undefined) return `must be ${noun} of at least ${schema.minimum}`;
    if (schema.maximum !== undefined) return `must be ${noun} of at most ${schema.maximum}`;
    return `must be ${noun}`;
  }
  if (schema.type === 'boolean') return 'must be true or false';
  if (schema.minLength !== undefined && schema.maxLength !== undefined) return `must be ${schema.minLength} to ${schema.maxLength} characters long`;
  if (schema.minLength !== undefined) return `must be at least ${schema.minLength} characters long`;
  if (schema.maxLength !== undefined) return `must be at most ${schema.maxLength} characters long`;
  return 'is not valid here';
}

const ECHO_MAX_CHARS = 64;

/** A value as it is echoed in a message: quoted, escaped and cut short. */
function quoted(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return JSON.stringify(text.length > ECHO_MAX_CHARS ? `${text.slice(0, ECHO_MAX_CHARS)}…` : text);
}

/**
 * ajv's errors as one field violation per parameter, in our words: the parameter's rule and the
 * value given ("page_size: must be an integer from 1 to 10000, got "abc""), whichever keyword
 * failed; an unknown parameter lists the ones the route takes. ajv's own phrases never reach a client.
 */
function schemaViolations(errors: AjvError[]): FieldViolation[] {
  const violations = new Map<string, string>();
  for (const error of errors) {
    if (error.keyword === 'additionalProperties' && error.params?.additionalProperty !== undefined) {
      const known = Object.keys(error.parentSchema?.properties ?? {});
      const takes = known.length === 0 ? 'this route takes no parameters' : `this route takes ${known.join(', ')}`;
      violations.set(error.params.additionalProperty, `unknown parameter; ${takes}`);
      continue;
    }
    if (error.keyword === 'required' && error.params?.missingProperty !== undefined) {
      violations.set(error.params.missingProperty, 'is required');
      continue;
    }
    // Only an error of a keyword on the parameter's own schema (not inside its anyOf) carries that schema.
    const field = /^#\/properties\/([^/]+)\/[^/]+$/.exec(error.schemaPath ?? '')?.[1];
    if (field === undefined || violations.has(field)) continue;
    const schema = error.parentSchema ?? {};
    violations.set(
      field,
      Array.isArray(error.data) && schema.type !== 'array'
        ? `must be given once, got ${error.data.length} values`
        : `${ruleOf(schema)}, got ${quoted(error.data)}`,
    );
  }
  if (violations.size === 0) violations.set('(request)', 'does not match what this route takes');
  return [...violations].map(([field, description]) => ({ field, description }));
}

/**
 * The gateway's one error translation: gRPC failures through the table above, request
 * validation and Fastify's own client errors as 4xx with their message, anything else as a
 * 500 that reveals nothing (the cause is logged with the request id).
 */
export function toHttpError(error: unknown, deadlineMs: number): HttpError {
  if (isGrpcError(error)) return grpcErrorToHttp(error, deadlineMs);
  if (error instanceof HttpStatusError) {
    return {
      statusCode: error.statusCode,
      body: { error: { code: error.code, message: error.message } },
      logLevel: 'debug',
      ...(error.headers ? { headers: error.headers } : {}),
    };
  }
  if (error instanceof BadRequestError) {
    const violation = { field: error.field, description: error.description };
    return { statusCode: 400, body: { error: { code: 'INVALID_ARGUMENT', message: error.message, details: [violation] } }, logLevel: 'debug' };
  }
  const fastifyError = error as { validation?: AjvError[]; statusCode?: unknown; code?: unknown } | null;
  if (Array.isArray(fastifyError?.validation)) {
    const details = schemaViolations(fastifyError.validation);
    const message = details.map((detail) => `${detail.field}: ${detail.description}`).join('; ');
    return { statusCode: 400, body: { error: { code: 'INVALID_ARGUMENT', message, details } }, logLevel: 'debug' };
  }
  const statusCode = fastifyError?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    const code = CLIENT_ERROR_CODES[statusCode] ?? 'INVALID_ARGUMENT';
    const message = FRAMEWORK_MESSAGES[String(fastifyError?.code)] ?? FRAMEWORK_MESSAGES[statusCode] ?? 'the request is malformed';
    return { statusCode, body: { error: { code, message } }, logLevel: 'debug' };
  }
  return { statusCode: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } }, logLevel: 'error' };
}

// Fastify's own refusals (before or around routing), in our words: by its error code, else by status.
const FRAMEWORK_MESSAGES: Record<string, string> = {
  FST_ERR_BAD_URL: 'the path is not valid percent-encoded UTF-8 (a % starts an escape such as %20 or %C3%A9)',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'this route does not take a body of this Content-Type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'the request body is too large',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body sent',
  413: 'the request body is too large',
  415: 'this route does not take a body of this Content-Type',
};

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
