import fc from 'fast-check';
import { instantText } from './instant-text';

describe('instantText', () => {
  it('is toISOString within years 1-9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.parse('0001-01-01T00:00:00Z'), max: Date.parse('9999-12-31T23:59:59.999Z') }), (ms) => {
        expect(instantText(ms)).toBe(new Date(ms).toISOString());
      }),
    );
  });

  it('writes years past 9999 without the extended form, as PostgreSQL reads them', () => {
    expect(instantText(Date.parse('9999-12-31T23:45:00Z') + 900_000)).toBe('10000-01-01T00:00:00.000Z');
    expect(instantText(Date.UTC(123456, 5, 7, 8, 9, 10, 11))).toBe('123456-06-07T08:09:10.011Z');
  });
});
