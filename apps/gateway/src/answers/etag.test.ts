import fc from 'fast-check';
import { METER_ID_PATTERN } from '@meterusage/meters';
import { etagOf, ifNoneMatchMatches } from './etag';

const meterId = fc.stringMatching(METER_ID_PATTERN);
const version = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });

describe('ETags of versioned answers', () => {
  it('are weak, quoted and tell meter and version apart', () => {
    fc.assert(
      fc.property(meterId, version, meterId, version, (meterA, versionA, meterB, versionB) => {
        expect(etagOf(meterA, versionA)).toMatch(/^W\/"[\x21\x23-\x7e]+"$/); // RFC 9110's etagc
        expect(etagOf(meterA, versionA) === etagOf(meterB, versionB)).toBe(meterA === meterB && versionA === versionB);
      }),
    );
  });

  it('match an If-None-Match list that holds them, weak or strong, in any position and spacing, or "*"', () => {
    const listed = fc.record({ weak: fc.boolean(), meter: meterId, version, space: fc.constantFrom('', ' ', '  ', '\t') });
    fc.assert(
      fc.property(meterId, version, fc.array(listed, { maxLength: 5 }), (meter, current, others) => {
        const etag = etagOf(meter, current);
        const header = others.map((tag) => `${tag.space}${tag.weak ? 'W/' : ''}"${tag.meter}.${tag.version}"`).join(',');
        const expected = others.some((tag) => tag.meter === meter && tag.version === current);
        expect(ifNoneMatchMatches(header, etag)).toBe(expected);
      }),
    );
    expect(ifNoneMatchMatches(' * ', etagOf('m', 1))).toBe(true);
    expect(ifNoneMatchMatches(undefined, etagOf('m', 1))).toBe(false);
    expect(ifNoneMatchMatches('m.1', etagOf('m', 1))).toBe(false); // unquoted: not an entity tag
  });
});
