import fc from 'fast-check';
import { isMeterId } from '@meterusage/meters';
import { isMeterGrant, MeterGrants } from './meter-grants';

// Meter ids drawn from a small alphabet, so generated prefixes often match and often do not.
const meterId = fc.stringMatching(/^[ab.:-]{1,6}$/);
const grant = fc.oneof(
  meterId,
  meterId.map((id) => `${id.slice(0, 3)}*`),
  fc.constant('*'),
);

/** What a set of grants means, written as plainly as possible. */
function modelAllows(patterns: string[], id: string): boolean {
  return patterns.some((pattern) => pattern === '*' || pattern === id || (pattern.endsWith('*') && id.startsWith(pattern.slice(0, -1))));
}

describe('MeterGrants', () => {
  it('allows exactly the meters an exact id, a prefix pattern or "*" names (generated grants and ids)', () => {
    fc.assert(
      fc.property(fc.array(grant, { maxLength: 6 }), fc.array(meterId, { minLength: 1, maxLength: 10 }), (patterns, ids) => {
        const grants = new MeterGrants(patterns);
        for (const id of ids) expect([id, grants.allows(id)]).toEqual([id, modelAllows(patterns, id)]);
      }),
    );
  });

  it('allows nothing without grants, and treats "*" inside an id as no pattern', () => {
    expect(new MeterGrants([]).allows('meter-1')).toBe(false);
    expect(isMeterGrant('site*1')).toBe(false);
    expect(isMeterGrant('*site')).toBe(false);
    expect(isMeterGrant('**')).toBe(false);
  });
});

describe('isMeterGrant', () => {
  it('accepts "*", meter ids and meter-id prefixes followed by "*", and nothing else (generated text)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 70 }), (text) => {
        const expected = text === '*' || isMeterId(text) || (text.endsWith('*') && isMeterId(text.slice(0, -1)));
        expect([text, isMeterGrant(text)]).toEqual([text, expected]);
      }),
    );
  });
});
