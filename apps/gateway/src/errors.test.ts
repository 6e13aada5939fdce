import { status } from '@grpc/grpc-js';
import { grpcErrorToHttp, toHttpError } from './errors';

const grpcError = (code: status, details: string) => Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details });

describe('grpcErrorToHttp', () => {
  it.each([
    [status.INVALID_ARGUMENT, 400],
    [status.NOT_FOUND, 404],
    [status.ALREADY_EXISTS, 409],
    [status.PERMISSION_DENIED, 403],
    [status.UNAUTHENTICATED, 401],
    [status.RESOURCE_EXHAUSTED, 429],
    [status.FAILED_PRECONDITION, 400],
    [status.OUT_OF_RANGE, 400],
    [status.ABORTED, 409],
    [status.CANCELLED, 499],
  ])('passes the message of client error %s through with HTTP %i', (code, httpStatus) => {
    expect(grpcErrorToHttp(grpcError(code, 'meter_id: bad'), 1000)).toEqual({
      statusCode: httpStatus,
      body: { error: { code: status[code], message: 'meter_id: bad' } },
      logCause: false,
    });
  });

  it.each([
    [status.UNAVAILABLE, 503, 'the meter-usage service is unavailable; retry shortly'],
    [status.DEADLINE_EXCEEDED, 504, 'the meter-usage service did not answer within 1500 ms'],
    [status.UNIMPLEMENTED, 501, 'the meter-usage service does not implement this call'],
    [status.INTERNAL, 500, 'internal error'],
    [status.UNKNOWN, 500, 'internal error'],
    [status.DATA_LOSS, 500, 'internal error'],
  ])('hides the internals of server error %s behind HTTP %i', (code, httpStatus, message) => {
    const result = grpcErrorToHttp(grpcError(code, 'connect ECONNREFUSED 10.0.0.7:50051'), 1500);
    expect(result).toEqual({ statusCode: httpStatus, body: { error: { code: status[code], message } }, logCause: true });
    expect(JSON.stringify(result.body)).not.toContain('10.0.0.7');
  });
});

describe('toHttpError', () => {
  it('turns a request validation failure into 400 INVALID_ARGUMENT', () => {
    const validation = Object.assign(new Error('querystring/page_size must be >= 1'), { validation: [{}], statusCode: 400 });
    expect(toHttpError(validation, 1000)).toEqual({
      statusCode: 400,
      body: { error: { code: 'INVALID_ARGUMENT', message: 'querystring/page_size must be >= 1' } },
      logCause: false,
    });
  });

  it('keeps Fastify client errors such as 415 and 413 with a code of their own', () => {
    expect(toHttpError(Object.assign(new Error('Unsupported Media Type'), { statusCode: 415 }), 1000).body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(toHttpError(Object.assign(new Error('Request body is too large'), { statusCode: 413 }), 1000).statusCode).toBe(413);
  });

  it('answers anything else with a 500 that says nothing about the cause', () => {
    expect(toHttpError(new TypeError('Cannot read properties of undefined (reading "x")'), 1000)).toEqual({
      statusCode: 500,
      body: { error: { code: 'INTERNAL', message: 'internal error' } },
      logCause: true,
    });
  });
});
