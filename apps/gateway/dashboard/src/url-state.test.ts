import { readState, toQueryString } from './url-state';

describe('readState and toQueryString', () => {
  it('read the view from the query, with the default zone when tz is absent or empty', () => {
    expect(readState('?meter=m1&from=2019-01-01&bucket=day&tz=', 'Europe/Amsterdam')).toEqual({
      meter: 'm1',
      from: '2019-01-01',
      to: undefined,
      bucket: 'day',
      tz: 'Europe/Amsterdam',
    });
  });

  it('write the keys in one order and leave out absent ones, so a state round-trips', () => {
    const state = { tz: 'UTC', bucket: 'hour', meter: 'meter 1', from: '2019-01-17T03:30:00+01:00', to: undefined };
    expect(toQueryString(state)).toBe('meter=meter+1&from=2019-01-17T03%3A30%3A00%2B01%3A00&bucket=hour&tz=UTC');
    expect(readState(toQueryString(state), 'Asia/Tokyo')).toEqual(state);
  });

  it('keep power in the URL and leave energy, the default, out of it', () => {
    expect(readState('?quantity=power&tz=UTC').quantity).toBe('power');
    expect(readState('?quantity=energy&tz=UTC').quantity).toBeUndefined();
    const state = { tz: 'UTC', meter: 'm1', quantity: 'power' };
    expect(toQueryString(state)).toBe('meter=m1&quantity=power&tz=UTC');
    expect(readState(toQueryString(state))).toEqual(state);
  });
});
