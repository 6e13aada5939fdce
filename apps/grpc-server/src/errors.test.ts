import { status } from '@grpc/grpc-js';
import { badRequestViolations } from '@meterusage/contracts';
import {
  AbortedError,
  DatabaseBusyError,
  InvalidArgumentError,
  NotFoundError,
  NotServingError,
  ResourceExhaustedError,
  SettingConflictError,
  toGrpcStatus,
  toServiceError,
} from './errors';

describe('toGrpcStatus', () => {
  it.each([
    ['an unknown resource', new NotFoundError('meter', 'm9'), status.NOT_FOUND, 'meter "m9" not found'],
    [
      'a stream limit reached',
      new ResourceExhaustedError('IngestReadings: 2 calls are already running'),
      status.RESOURCE_EXHAUSTED,
      'IngestReadings: 2 calls are already running',
    ],
    ['a concurrent change', new AbortedError('meter "m" was created by another upload'), status.ABORTED, 'meter "m" was created by another upload'],
    [
      'a meter setting conflict',
      new SettingConflictError('unit', 'the upload says MWh, meter "m" has kWh'),
      status.ALREADY_EXISTS,
      'unit: the upload says MWh, meter "m" has kWh',
    ],
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      status.UNAVAILABLE,
      'the database is unavailable; retry shortly',
    ],
    [
      'an administrator shutdown (57P01)',
      Object.assign(new Error('terminating connection'), { code: '57P01' }),
      status.UNAVAILABLE,
      'the database is unavailable; retry shortly',
    ],
    [
      'a connection exception (08006)',
      Object.assign(new Error('connection failure'), { code: '08006' }),
      status.UNAVAILABLE,
      'the database is unavailable; retry shortly',
    ],
    [
      'too many connections (53300)',
      Object.assign(new Error('too many clients'), { code: '53300' }),
      status.UNAVAILABLE,
      'the database is unavailable; retry shortly',
    ],
    ['a terminated connection', new Error('Connection terminated unexpectedly'), status.UNAVAILABLE, 'the database is unavailable; retry shortly'],
    [
      'a statement timeout (57014)',
      Object.assign(new Error('canceling statement'), { code: '57014' }),
      status.DEADLINE_EXCEEDED,
      'the database query took too long and was cancelled',
    ],
  ])('maps %s', (_name, error, code, message) => {
    expect(toGrpcStatus(error)).toEqual({ code, message, internal: false });
  });

  it('maps an invalid argument to INVALID_ARGUMENT naming the field, with the field as a BadRequest violation in the status details', () => {
    const invalid = toGrpcStatus(new InvalidArgumentError('meter_id', 'must not contain spaces'));
    expect(invalid).toEqual({
      code: status.INVALID_ARGUMENT,
      message: 'meter_id: must not contain spaces',
      internal: false,
      fieldViolations: [{ field: 'meter_id', description: 'must not contain spaces' }],
    });
    const details = toServiceError(invalid).metadata?.get('grpc-status-details-bin')[0];
    expect(badRequestViolations(details as Buffer)).toEqual([{ field: 'meter_id', description: 'must not contain spaces' }]);
  });

  it('lists every violation of a multi-field error in the message and the details', () => {
    const violations = [
      { field: 'time_zone', description: '"Mars" is not an IANA time zone' },
      { field: 'page_size', description: 'must be at most 10000, got 20000' },
    ];
    const invalid = toGrpcStatus(new InvalidArgumentError(violations));
    expect(invalid.message).toBe('time_zone: "Mars" is not an IANA time zone; page_size: must be at most 10000, got 20000');
    expect(badRequestViolations(toServiceError(invalid).metadata?.get('grpc-status-details-bin')[0] as Buffer)).toEqual(violations);
  });

  it('sends no status details for other errors', () => {
    expect(toServiceError(toGrpcStatus(new NotFoundError('meter', 'm9'))).metadata?.get('grpc-status-details-bin')).toEqual([]);
  });

  it('answers a busy pool UNAVAILABLE with a busy message and a pushback, distinct from the database being unavailable', () => {
    const busy = toGrpcStatus(new DatabaseBusyError(10, 100, 'queue_full'));
    expect(busy).toEqual({
      code: status.UNAVAILABLE,
      message: 'busy: all 10 database connections are in use and 100 calls are waiting; retry in a moment',
      internal: false,
      retryAfterMs: 1000,
    });
    expect(toServiceError(busy).metadata?.get('grpc-retry-pushback-ms')).toEqual(['1000']);
    expect(toGrpcStatus(Object.assign(new Error('timeout exceeded when trying to connect'), {}))).toEqual({
      code: status.UNAVAILABLE,
      message: 'the database is unavailable; retry shortly',
      internal: false,
    });
  });

  it('answers calls before start-up completes or after shutdown began UNAVAILABLE, saying which', () => {
    expect(toGrpcStatus(new NotServingError('starting'))).toMatchObject({
      code: status.UNAVAILABLE,
      message: expect.stringMatching(/^starting: /),
      retryAfterMs: 5000,
    });
    expect(toGrpcStatus(new NotServingError('stopping'))).toEqual({
      code: status.UNAVAILABLE,
      message: 'shutting down: this server takes no new calls; retry shortly',
      internal: false,
    });
  });

  it('hides anything unexpected behind INTERNAL without leaking its message', () => {
    const syntaxError = Object.assign(new Error('syntax error at or near "selec"'), { code: '42601' });
    expect(toGrpcStatus(syntaxError)).toEqual({ code: status.INTERNAL, message: 'internal error', internal: true });
    expect(toGrpcStatus('a string')).toEqual({ code: status.INTERNAL, message: 'internal error', internal: true });
  });
});
