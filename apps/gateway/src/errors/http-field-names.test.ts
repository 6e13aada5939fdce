import { httpFieldOf, toHttpViolation } from './http-field-names';

describe('http-field-names: proto request fields → HTTP query parameters', () => {
  it.each([
    ['meter_id', 'meter'],
    ['start_time', 'from'],
    ['end_time', 'to'],
    ['time_zone', 'tz'],
    ['bucket_width', 'bucket'],
    ['page_size', 'page_size'],
    ['page_token', 'page_token'],
    ['unit', 'unit'],
    ['on_conflict', 'on_conflict'],
  ])('names %s as %s', (protoField, httpField) => {
    expect(httpFieldOf(protoField)).toBe(httpField);
  });

  it('renames the violating field and every field its description names, as whole words only', () => {
    expect(
      toHttpViolation({
        field: 'page_token',
        description: 'belongs to a different query: keep meter_id, start_time, end_time and as_of unchanged while paging',
      }),
    ).toEqual({
      field: 'page_token',
      description: 'belongs to a different query: keep meter, from, to and as_of unchanged while paging',
    });
    expect(toHttpViolation({ field: 'start_time', description: 'must be before end_time (a is not before b)' })).toEqual({
      field: 'from',
      description: 'must be before to (a is not before b)',
    });
    expect(toHttpViolation({ field: 'time_zone', description: '"my_time_zone_x" is not an IANA time zone' })).toEqual({
      field: 'tz',
      description: '"my_time_zone_x" is not an IANA time zone',
    });
  });
});
