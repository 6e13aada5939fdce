import { apiUrl, exportUrl, httpError } from './api';

describe('apiUrl and exportUrl', () => {
  it('leave out undefined and empty values', () => {
    expect(apiUrl('/api/usage', { meter: 'm', from: undefined, to: '', bucket: 'day' })).toBe('/api/usage?meter=m&bucket=day');
    expect(apiUrl('/api/meters')).toBe('/api/meters');
    expect(exportUrl({ meter: 'm', tz: 'UTC' })).toBe('/api/export?meter=m&tz=UTC&format=csv');
  });
});

describe('httpError', () => {
  it('turns a 400 body into an invalid-selection error naming the field', () => {
    const error = httpError(
      { status: 400, statusText: 'Bad Request' },
      { error: { code: 'INVALID_ARGUMENT', message: 'from: must be before to', details: [{ field: 'from' }] } },
    );
    expect(error).toMatchObject({ kind: 'invalid', title: 'Invalid selection', field: 'from', status: 400, code: 'INVALID_ARGUMENT' });
    expect(error.message).toBe('from: must be before to (HTTP 400 INVALID_ARGUMENT)');
  });

  it('tells unavailable, timeout, not found and unauthorized apart, also without a JSON body', () => {
    expect(httpError({ status: 503, statusText: 'Service Unavailable' }, undefined)).toMatchObject({
      kind: 'unavailable',
      message: 'Service Unavailable (HTTP 503)',
    });
    expect(httpError({ status: 504, statusText: '' }, {}).kind).toBe('timeout');
    expect(httpError({ status: 404, statusText: '' }, {}).kind).toBe('not-found');
    expect(httpError({ status: 401, statusText: '' }, {}).kind).toBe('unauthorized');
    expect(httpError({ status: 500, statusText: '' }, {})).toMatchObject({ kind: 'http', message: 'no reason given (HTTP 500)' });
  });
});
