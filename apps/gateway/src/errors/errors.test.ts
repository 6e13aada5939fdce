import { Metadata, status } from '@grpc/grpc-js';
import { encodeBadRequestStatus, STATUS_DETAILS_TRAILER, STATUS_ORIGIN_TRAILER, TimeOutsideRfc3339Error, type FieldViolation } from '@meterusage/contracts';
import { BadRequestError, grpcErrorToHttp, ruleOf, toHttpError } from './index';

const grpcError = (code: status, details: string) => Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details });
/** A status grpc-server translated itself: its trailers say so. */
const serverStatus = (code: status, details: string) => {
  const metadata = new Metadata();
  metadata.set(STATUS_ORIGIN_TRAILER, 'grpc-server');
  return Object.assign(grpcError(code, details), { metadata });
};
/** An INVALID_ARGUMENT grpc-server sent: its fields in the status details, as a google.rpc.BadRequest. */
const invalidArgument = (violations: FieldViolation[]) => {
  const message = violations.map((violation) => `${violation.field}: ${violation.description}`).join('; ');
  const error = serverStatus(status.INVALID_ARGUMENT, message);
  error.metadata.set(STATUS_DETAILS_TRAILER, encodeBadRequestStatus(status.INVALID_ARGUMENT, message, violations));
  return error;
};

describe('grpcErrorToHttp', () => {
  it('names the HTTP query parameter of each field violation in the status details, in the message and the details', () => {
    const violations = [
      { field: 'start_time', description: 'must be before end_time (x is not before y)' },
      { field: 'page_size', description: 'must be at most 10000, got 20000' },
    ];
    expect(grpcErrorToHttp(invalidArgument(violations), 1000)).toEqual({
      statusCode: 400,
      body: {
        error: {
          code: 'INVALID_ARGUMENT',
          message: 'from: must be before to (x is not before y); page_size: must be at most 10000, got 20000',
          details: [
            { field: 'from', description: 'must be before to (x is not before y)' },
            { field: 'page_size', description: 'must be at most 10000, got 20000' },
          ],
        },
      },
      logLevel: 'debug',
    });
  });

  it('passes an INVALID_ARGUMENT without status details through as its message alone, never parsing it', () => {
    expect(grpcErrorToHttp(grpcError(status.INVALID_ARGUMENT, 'start_time: must be before end_time'), 1000)).toEqual({
      statusCode: 400,
      body: { error: { code: 'INVALID_ARGUMENT', message: 'start_time: must be before end_time' } },
      logLevel: 'debug',
    });
  });

  it.each([
    [status.NOT_FOUND, 404],
    [status.ALREADY_EXISTS, 409],
    [status.PERMISSION_DENIED, 403],
    [status.FAILED_PRECONDITION, 400],
    [status.OUT_OF_RANGE, 400],
    [status.ABORTED, 409],
    [status.CANCELLED, 499],
  ])('passes the message of client error %s through with HTTP %i', (code, httpStatus) => {
    expect(grpcErrorToHttp(grpcError(code, 'meter_id: bad'), 1000)).toEqual({
      statusCode: httpStatus,
      body: { error: { code: status[code], message: 'meter_id: bad' } },
      logLevel: 'debug',
    });
  });

  it('answers UNAUTHENTICATED with 401, its message and the scheme to use (RFC 6750)', () => {
    expect(grpcErrorToHttp(grpcError(status.UNAUTHENTICATED, 'the API key was revoked'), 1000)).toEqual({
      statusCode: 401,
      body: { error: { code: 'UNAUTHENTICATED', message: 'the API key was revoked' } },
      logLevel: 'debug',
      headers: { 'www-authenticate': 'Bearer realm="meterusage"' },
    });
  });

  it('answers RESOURCE_EXHAUSTED (a stream limit reached) with 429 and a Retry-After', () => {
    expect(grpcErrorToHttp(grpcError(status.RESOURCE_EXHAUSTED, 'ExportReadings: 4 calls are already running'), 1000)).toEqual({
      statusCode: 429,
      body: { error: { code: 'RESOURCE_EXHAUSTED', message: 'ExportReadings: 4 calls are already running' } },
      logLevel: 'debug',
      headers: { 'retry-after': '5' },
    });
  });

  it.each([
    [status.UNAVAILABLE, 503, 'the meter-usage service is unavailable; retry shortly', 'debug'],
    [status.DEADLINE_EXCEEDED, 504, 'the meter-usage service did not answer within 1500 ms', 'warn'],
    [status.UNIMPLEMENTED, 501, 'the meter-usage service does not implement this call', 'error'],
    [status.INTERNAL, 500, 'internal error', 'error'],
    [status.UNKNOWN, 500, 'internal error', 'error'],
    [status.DATA_LOSS, 500, 'internal error', 'error'],
  ])('hides the internals of server error %s behind HTTP %i, logged as the status deserves', (code, httpStatus, message, logLevel) => {
    const result = grpcErrorToHttp(grpcError(code, 'connect ECONNREFUSED 10.0.0.7:50051'), 1500);
    expect(result).toEqual({ statusCode: httpStatus, body: { error: { code: status[code], message } }, logLevel });
    expect(JSON.stringify(result.body)).not.toContain('10.0.0.7');
  });

  it.each([
    [status.DEADLINE_EXCEEDED, 504, 'no data for 60 s; nothing written, send the upload again'],
    [status.UNAVAILABLE, 503, 'server shutting down; nothing written, send the upload again'],
  ])("passes grpc-server's own message of server error %s through (HTTP %i): it says why, logged as a warning", (code, httpStatus, message) => {
    expect(grpcErrorToHttp(serverStatus(code, message), 1500)).toEqual({
      statusCode: httpStatus,
      body: { error: { code: status[code], message } },
      logLevel: 'warn',
    });
  });

  it('answers a busy grpc-server with 503, its message and Retry-After from its pushback trailer (rounded up to seconds), not logged as a failure', () => {
    const message = 'busy: all 10 database connections are in use and 100 calls are waiting; retry in a moment';
    const busy = serverStatus(status.UNAVAILABLE, message);
    busy.metadata.set('grpc-retry-pushback-ms', '1500');
    expect(grpcErrorToHttp(busy, 1500)).toEqual({
      statusCode: 503,
      body: { error: { code: 'UNAVAILABLE', message } },
      logLevel: 'debug',
      headers: { 'retry-after': '2' },
    });
  });

  it('ignores a pushback trailer on a status grpc-server did not word', () => {
    const metadata = new Metadata();
    metadata.set('grpc-retry-pushback-ms', '1000');
    const relayed = Object.assign(grpcError(status.UNAVAILABLE, 'connect ECONNREFUSED'), { metadata });
    expect(grpcErrorToHttp(relayed, 1500).headers).toBeUndefined();
  });
});

describe('toHttpError', () => {
  it('words every schema failure itself, one detail per parameter: its rule and the value given', () => {
    const rangeSchema = { type: 'object', properties: { meter: {}, from: {}, to: {}, tz: {} }, additionalProperties: false };
    const validation = Object.assign(new Error('querystring/page_size must be >= 1'), {
      statusCode: 400,
      validation: [
        {
          instancePath: '/page_size',
          keyword: 'type',
          schemaPath: '#/properties/page_size/type',
          parentSchema: { type: 'integer', minimum: 1, maximum: 10000 },
          data: 'abc',
        },
        {
          instancePath: '',
          keyword: 'additionalProperties',
          schemaPath: '#/additionalProperties',
          params: { additionalProperty: 'form' },
          parentSchema: rangeSchema,
        },
        {
          instancePath: '/bucket',
          keyword: 'enum',
          schemaPath: '#/properties/bucket/enum',
          parentSchema: { type: 'string', enum: ['day', 'week'] },
          data: 'year',
        },
        { instancePath: '/from', keyword: 'format', schemaPath: '#/properties/from/anyOf/0/format', parentSchema: { format: 'date-time' }, data: 'x' },
        { instancePath: '/from', keyword: 'format', schemaPath: '#/properties/from/anyOf/1/format', parentSchema: { format: 'date' }, data: 'x' },
        {
          instancePath: '/from',
          keyword: 'anyOf',
          schemaPath: '#/properties/from/anyOf',
          parentSchema: { type: 'string', anyOf: [{ format: 'date-time' }, { format: 'date' }] },
          data: 'x',
        },
        { instancePath: '/meter', keyword: 'type', schemaPath: '#/properties/meter/type', parentSchema: { type: 'string', minLength: 1 }, data: ['a', 'b'] },
      ],
    });
    const details = [
      { field: 'page_size', description: 'must be an integer from 1 to 10000, got "abc"' },
      { field: 'form', description: 'unknown parameter; this route takes meter, from, to, tz' },
      { field: 'bucket', description: 'must be one of day, week, got "year"' },
      { field: 'from', description: 'must be an RFC 3339 timestamp (2019-01-01T00:00:00Z) or a date (2019-01-01), got "x"' },
      { field: 'meter', description: 'must be given once, got 2 values' },
    ];
    expect(toHttpError(validation, 1000)).toEqual({
      statusCode: 400,
      body: { error: { code: 'INVALID_ARGUMENT', message: details.map((detail) => `${detail.field}: ${detail.description}`).join('; '), details } },
      logLevel: 'debug',
    });
  });

  it.each([
    [{ type: 'integer', minimum: 1, maximum: 10000 }, 'must be an integer from 1 to 10000'],
    [{ type: 'integer', minimum: 0 }, 'must be an integer of at least 0'],
    [{ type: 'number', maximum: 5 }, 'must be a number of at most 5'],
    [{ type: 'string', minLength: 1, maxLength: 64 }, 'must be 1 to 64 characters long'],
    [{ type: 'string', maxLength: 512 }, 'must be at most 512 characters long'],
    [{ type: 'string', minLength: 1 }, 'must not be empty'],
    [{ type: 'string', enum: ['csv', 'ndjson'] }, 'must be one of csv, ndjson'],
    [{ type: 'string', format: 'date-time' }, 'must be an RFC 3339 timestamp (2019-01-01T00:00:00Z)'],
    [{ type: 'boolean' }, 'must be true or false'],
  ])('ruleOf(%j) is "%s"', (schema, rule) => {
    expect(ruleOf(schema)).toBe(rule);
  });

  it('turns a BadRequestError into 400 naming its field', () => {
    expect(toHttpError(new BadRequestError('tz', '"Mars" is not an IANA time zone'), 1000).body).toEqual({
      error: {
        code: 'INVALID_ARGUMENT',
        message: 'tz: "Mars" is not an IANA time zone',
        details: [{ field: 'tz', description: '"Mars" is not an IANA time zone' }],
      },
    });
  });

  it('turns a time an answer cannot write in RFC 3339 into 400 OUT_OF_RANGE with its reason', () => {
    expect(toHttpError(new TimeOutsideRfc3339Error(Date.parse('9999-12-31T23:59:59.999Z') + 1), 1000)).toEqual({
      statusCode: 400,
      body: {
        error: {
          code: 'OUT_OF_RANGE',
          message: 'the answer would hold a time after 9999-12-31T23:59:59.999Z (such as the end of a bucket), which RFC 3339 cannot write; narrow the range',
        },
      },
      logLevel: 'debug',
    });
  });

  it('keeps Fastify client errors such as 415 and 413 with a code of their own', () => {
    expect(toHttpError(Object.assign(new Error('Unsupported Media Type'), { statusCode: 415 }), 1000).body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(toHttpError(Object.assign(new Error('Request body is too large'), { statusCode: 413 }), 1000).statusCode).toBe(413);
  });

  it("words Fastify's own refusals itself (no \"'/api/%zz' is not a valid url component\")", () => {
    expect(toHttpError(Object.assign(new Error("'/api/%zz' is not a valid url component"), { statusCode: 400, code: 'FST_ERR_BAD_URL' }), 1000).body).toEqual({
      error: { code: 'INVALID_ARGUMENT', message: 'the path is not valid percent-encoded UTF-8 (a % starts an escape such as %20 or %C3%A9)' },
    });
    expect(toHttpError(Object.assign(new Error('Something Fastify says'), { statusCode: 400, code: 'FST_ERR_SOMETHING_NEW' }), 1000).body.error.message).toBe(
      'the request is malformed',
    );
  });

  it('answers anything else with a 500 that says nothing about the cause', () => {
    expect(toHttpError(new TypeError('Cannot read properties of undefined (reading "x")'), 1000)).toEqual({
      statusCode: 500,
      body: { error: { code: 'INTERNAL', message: 'internal error' } },
      logLevel: 'error',
    });
  });
});
