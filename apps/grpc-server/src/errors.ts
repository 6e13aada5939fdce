import { Metadata, status as GrpcCode, type ServiceError } from '@grpc/grpc-js';
import {
  encodeBadRequestStatus,
  RETRY_PUSHBACK_TRAILER,
  STATUS_DETAILS_TRAILER,
  STATUS_ORIGIN_TRAILER,
  TimeOutsideRfc3339Error,
  type FieldViolation,
} from '@meterusage/contracts';

/** A request named something that does not exist. */
export class NotFoundError extends Error {
  constructor(
    readonly resource: string,
    readonly id: string,
  ) {
    super(`${resource} "${id}" not found`);
    this.name = 'NotFoundError';
  }
}

/**
 * Request fields are invalid: each violation names a proto field (snake_case, e.g. time_zone) and
 * says why. The message lists them ("field: reason; ..."); clients read them structured from the
 * status details (google.rpc.BadRequest), which toServiceError attaches.
 */
export class InvalidArgumentError extends Error {
  readonly violations: readonly FieldViolation[];

  constructor(field: string, description: string);
  constructor(violations: readonly FieldViolation[]);
  constructor(fieldOrViolations: string | readonly FieldViolation[], description = '') {
    const violations = typeof fieldOrViolations === 'string' ? [{ field: fieldOrViolations, description }] : fieldOrViolations;
    super(violations.map((violation) => `${violation.field}: ${violation.description}`).join('; '));
    this.name = 'InvalidArgumentError';
    this.violations = violations;
  }
}

const ECHO_MAX_CHARS = 64;

/** A request value as a message echoes it: JSON-quoted (escapes included) and cut after 64 characters. */
export function quoted(value: string): string {
  return JSON.stringify(value.length > ECHO_MAX_CHARS ? `${value.slice(0, ECHO_MAX_CHARS)}…` : value);
}

/** Why a call's credential was refused (the label of grpc_server_auth_failures_total). */
export type CredentialProblem = 'missing' | 'malformed' | 'unknown' | 'revoked' | 'expired';

const CREDENTIAL_MESSAGES: Record<CredentialProblem, string> = {
  missing: 'an API key is required: send "authorization: Bearer <secret>"',
  malformed: 'the authorization value is not "Bearer <secret>" with the secret of an API key',
  unknown: 'the API key is not valid',
  revoked: 'the API key was revoked',
  expired: 'the API key has expired',
};

/** The call has no usable credential: no key, or one that is malformed, unknown, revoked or expired. */
export class UnauthenticatedError extends Error {
  constructor(readonly problem: CredentialProblem) {
    super(CREDENTIAL_MESSAGES[problem]);
    this.name = 'UnauthenticatedError';
  }
}

/** The caller's key may not do this: the method's scope, or a write to a meter outside its grants. */
export class PermissionDeniedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermissionDeniedError';
  }
}

/** Too many calls of one kind already run (a stream limit); the client should retry later. */
export class ResourceExhaustedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResourceExhaustedError';
  }
}

/** The request collided with a concurrent change and was not applied; sending it again is safe. */
export class AbortedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AbortedError';
  }
}

/**
 * A request states a setting of an existing meter (its unit or time label) differently from
 * what the meter has; nothing was applied. Sending it again changes nothing: the request must change.
 */
export class SettingConflictError extends Error {
  constructor(
    readonly setting: string,
    readonly description: string,
  ) {
    super(`${setting}: ${description}`);
    this.name = 'SettingConflictError';
  }
}

/** The request is valid but the state of what it names forbids it (e.g. reverting an upload from before history was kept). */
export class FailedPreconditionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FailedPreconditionError';
  }
}

/** The client sent nothing for too long in the middle of a stream; what it sent is rolled back. */
export class ClientIdleError extends Error {
  constructor(readonly idleMs: number) {
    super(`no data for ${Math.round(idleMs / 1000)} s; nothing written, send the upload again`);
    this.name = 'ClientIdleError';
  }
}

/** The server is shutting down and ended a stream still running at the end of its grace period; what it sent is rolled back. */
export class ShuttingDownError extends Error {
  constructor() {
    super('server shutting down; nothing written, send the upload again');
    this.name = 'ShuttingDownError';
  }
}

/**
 * Every database connection is in use and the call found the wait queue full, or waited its whole
 * budget (DB_POOL_WAIT_MS): the service is busy, not down, and the call can be sent again soon.
 */
export class DatabaseBusyError extends Error {
  constructor(
    readonly connections: number,
    readonly waiting: number,
    readonly reason: 'queue_full' | 'wait_timeout',
  ) {
    super(`busy: all ${connections} database connections are in use and ${waiting} calls are waiting; retry in a moment`);
    this.name = 'DatabaseBusyError';
  }
}

/** A call arrived before start-up completed (database, migrations, seed) or after shutdown began. */
export class NotServingError extends Error {
  constructor(readonly phase: 'starting' | 'stopping') {
    super(
      phase === 'starting'
        ? 'starting: the database is being connected, migrated and seeded; retry shortly'
        : 'shutting down: this server takes no new calls; retry shortly',
    );
    this.name = 'NotServingError';
  }
}

export interface GrpcStatus {
  code: GrpcCode;
  message: string;
  /** True when the message is generic and the real error must be logged, not sent. */
  internal: boolean;
  /** When the client may send the call again (milliseconds), for a server that is busy or starting. */
  retryAfterMs?: number;
  /** The invalid request fields of an INVALID_ARGUMENT, sent as a google.rpc.BadRequest in the status details. */
  fieldViolations?: readonly FieldViolation[];
}

/** A busy pool frees a connection within a query's time (tens to hundreds of milliseconds). */
const RETRY_AFTER_BUSY_MS = 1_000;
/** Migrations and the seed take seconds. */
const RETRY_AFTER_STARTING_MS = 5_000;

// node-postgres and Node socket errors that mean "the database is not there right now".
const CONNECTION_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE']);
const CONNECTION_ERROR_MESSAGES = [
  'Connection terminated',
  'connection timeout',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
];

/**
 * The one translation from domain and database errors to gRPC statuses, and the only place
 * that reads SQLSTATE codes. Unknown errors become INTERNAL with a message that reveals nothing.
 */
export function toGrpcStatus(error: unknown): GrpcStatus {
  if (error instanceof InvalidArgumentError) {
    return { code: GrpcCode.INVALID_ARGUMENT, message: error.message, internal: false, fieldViolations: error.violations };
  }
  if (error instanceof NotFoundError) return { code: GrpcCode.NOT_FOUND, message: error.message, internal: false };
  if (error instanceof UnauthenticatedError) return { code: GrpcCode.UNAUTHENTICATED, message: error.message, internal: false };
  if (error instanceof PermissionDeniedError) return { code: GrpcCode.PERMISSION_DENIED, message: error.message, internal: false };
  if (error instanceof ResourceExhaustedError) return { code: GrpcCode.RESOURCE_EXHAUSTED, message: error.message, internal: false };
  if (error instanceof AbortedError) return { code: GrpcCode.ABORTED, message: error.message, internal: false };
  if (error instanceof SettingConflictError) return { code: GrpcCode.ALREADY_EXISTS, message: error.message, internal: false };
  if (error instanceof FailedPreconditionError) return { code: GrpcCode.FAILED_PRECONDITION, message: error.message, internal: false };
  if (error instanceof ClientIdleError) return { code: GrpcCode.DEADLINE_EXCEEDED, message: error.message, internal: false };
  if (error instanceof ShuttingDownError) return { code: GrpcCode.UNAVAILABLE, message: error.message, internal: false };
  // An answer would hold a time RFC 3339 cannot write (an export line of an interval ending in year 10000).
  if (error instanceof TimeOutsideRfc3339Error) return { code: GrpcCode.OUT_OF_RANGE, message: error.message, internal: false };
  // Busy is UNAVAILABLE (retry with backoff), not RESOURCE_EXHAUSTED (a quota): the server as a whole is full.
  if (error instanceof DatabaseBusyError) return { code: GrpcCode.UNAVAILABLE, message: error.message, internal: false, retryAfterMs: RETRY_AFTER_BUSY_MS };
  if (error instanceof NotServingError) {
    return {
      code: GrpcCode.UNAVAILABLE,
      message: error.message,
      internal: false,
      ...(error.phase === 'starting' ? { retryAfterMs: RETRY_AFTER_STARTING_MS } : {}),
    };
  }

  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (CONNECTION_ERROR_CODES.has(code)) return unavailable();
    // SQLSTATE classes: 08 connection exception, 57P01-03 server shutting down or starting,
    // 53 insufficient resources (e.g. too many connections).
    if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code.startsWith('53')) {
      return unavailable();
    }
    if (code === '57014') {
      return { code: GrpcCode.DEADLINE_EXCEEDED, message: 'the database query took too long and was cancelled', internal: false };
    }
  }
  const message = error instanceof Error ? error.message : '';
  if (CONNECTION_ERROR_MESSAGES.some((fragment) => message.includes(fragment))) return unavailable();
  return { code: GrpcCode.INTERNAL, message: 'internal error', internal: true };
}

function unavailable(): GrpcStatus {
  return { code: GrpcCode.UNAVAILABLE, message: 'the database is unavailable; retry shortly', internal: false };
}

/**
 * A ServiceError carrying the status, for grpc-js callbacks and stream.destroy(); one trailer says
 * its message is ours, another carries the field violations as gRPC's rich error details.
 */
export function toServiceError(status: GrpcStatus): Partial<ServiceError> {
  const metadata = new Metadata();
  metadata.set(STATUS_ORIGIN_TRAILER, 'grpc-server');
  if (status.retryAfterMs !== undefined) metadata.set(RETRY_PUSHBACK_TRAILER, String(status.retryAfterMs));
  if (status.fieldViolations !== undefined && status.fieldViolations.length > 0) {
    metadata.set(STATUS_DETAILS_TRAILER, encodeBadRequestStatus(status.code, status.message, status.fieldViolations));
  }
  return Object.assign(new Error(status.message), { code: status.code, details: status.message, metadata });
}
