import type { ErrorBody } from './error-body';

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

export type FailureLogLevel = 'error' | 'warn' | 'debug';

/** An error as the gateway answers it: status, body, headers, and how loudly to log it. */
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
