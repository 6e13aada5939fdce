import { toIsoSeconds } from './json-mapping';

describe('toIsoSeconds', () => {
  it('equals toISOString without ".000" for whole seconds, across days, years and 1970', () => {
    const instants = [
      '2019-01-01T00:15:00Z',
      '2019-01-01T23:59:59Z',
      '2019-01-02T00:00:00Z',
      '2019-03-31T01:00:00Z',
      '1969-12-31T23:45:00Z',
      '1970-01-01T00:00:00Z',
      '2000-02-29T12:34:56Z',
      '9999-12-31T23:59:59Z',
    ];
    for (const iso of instants) expect(toIsoSeconds(new Date(iso))).toBe(iso);
  });

  it('matches toISOString on 200,000 random instants, in and out of order', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let index = 0; index < 200_000; index += 1) {
      const ms = Math.floor((random() * 4e12 - 1e12) / 1000) * 1000;
      const expected = new Date(ms).toISOString().replace('.000Z', 'Z');
      if (toIsoSeconds(new Date(ms)) !== expected) throw new Error(`${ms}: ${toIsoSeconds(new Date(ms))} ≠ ${expected}`);
    }
  });

  it('keeps fractional seconds, and is undefined for undefined', () => {
    expect(toIsoSeconds(new Date('2019-01-01T00:00:00.250Z'))).toBe('2019-01-01T00:00:00.250Z');
    expect(toIsoSeconds(undefined)).toBeUndefined();
    expect(() => toIsoSeconds(new Date(Number.NaN))).toThrow(RangeError);
  });

  it('writes years 0001 and 9999 with four digits, and refuses (400 OUT_OF_RANGE) the times RFC 3339 cannot write', () => {
    expect(toIsoSeconds(new Date('0001-01-01T00:00:00Z'))).toBe('0001-01-01T00:00:00Z');
    expect(toIsoSeconds(new Date('0099-12-31T23:45:00Z'))).toBe('0099-12-31T23:45:00Z');
    expect(toIsoSeconds(new Date('9999-12-31T23:59:59.999Z'))).toBe('9999-12-31T23:59:59.999Z');
    for (const outside of ['+010000-01-01T00:00:00Z', '0000-12-31T23:59:59Z', '-000001-01-01T00:00:00Z']) {
      expect(() => toIsoSeconds(new Date(outside))).toThrow(expect.objectContaining({ statusCode: 400, code: 'OUT_OF_RANGE' }));
    }
  });
});
