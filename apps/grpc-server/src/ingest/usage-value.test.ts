import fc from 'fast-check';
import { parseUsageValue } from './usage-value';

/** Reference: the value × 10^9 as a BigInt from a regular expression, or undefined when it is not a finite decimal of that scale. */
function scaledReference(text: string): bigint | undefined {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (match === null || (match[2]! + (match[3] ?? '')).length === 0) return undefined;
  const [, sign, integer, fraction = '', exponentText = '0'] = match;
  const exponent = BigInt(exponentText) + 9n - BigInt(fraction.length);
  const mantissa = BigInt(`${integer!}${fraction}` || '0');
  if (mantissa === 0n) return 0n;
  if (exponent > 40n) return sign === '-' ? -1n : 10n ** 40n;
  if (exponent < 0n) return mantissa % 10n ** -exponent === 0n ? (sign === '-' ? -1n : 1n) * (mantissa / 10n ** -exponent) : -2n;
  return (sign === '-' ? -1n : 1n) * mantissa * 10n ** exponent;
}

const numberLike = fc
  .tuple(
    fc.constantFrom('', '+', '-', '++', '0x'),
    fc.stringMatching(/^\d{0,25}$/),
    fc.constantFrom('', '.', ','),
    fc.stringMatching(/^\d{0,14}$/),
    fc.oneof(
      fc.constant(''),
      fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.stringMatching(/^\d{0,6}$/)).map((parts) => parts.join('')),
    ),
  )
  .map((parts) => parts.join(''));

describe('parseUsageValue', () => {
  it.each([
    ['12.500', '12.500'],
    ['+1.5', '1.5'],
    ['1.5e3', '1500'],
    ['1.23456789e-1', '0.123456789'],
    ['999999999999.999999999', '999999999999.999999999'],
    ['00000000000000000001', '1'],
    ['1.0000000000000', '1'],
    ['-0', '0'],
    ['0e99999999999', '0'],
    ['.5', '.5'],
    ['NaN', null],
    ['', null],
  ])('loads %s as %s', (text, usage) => {
    expect(parseUsageValue(text)).toEqual({ usage });
  });

  it.each([
    ['1e309', 'usage 1e309 is too large: values must be below 10^12 (1000000000000)'],
    ['1e12', 'usage 1e12 is too large: values must be below 10^12 (1000000000000)'],
    ['1e131072', 'usage 1e131072 is too large: values must be below 10^12 (1000000000000)'],
    ['1e-400', 'usage 1e-400 has more than 9 decimal places (the smallest step is 0.000000001)'],
    ['1e-20000', 'usage 1e-20000 has more than 9 decimal places (the smallest step is 0.000000001)'],
    ['0.0000000001', 'usage 0.0000000001 has more than 9 decimal places (the smallest step is 0.000000001)'],
    ['-1', 'usage -1 is negative'],
    ['Infinity', 'usage Infinity is not a finite number'],
    ['-inf', 'usage -inf is not a finite number'],
    ['0x1A', '"0x1A" is not a decimal number (hexadecimal is not accepted)'],
    ['1,5', '"1,5" is not a number: write decimals with a point (1.5) and no thousands separators'],
    ['+', '"+" is not a number (a missing reading is written NaN or left empty)'],
    ['1e', '"1e" is not a number (a missing reading is written NaN or left empty)'],
    ['1.2.3', '"1.2.3" is not a number (a missing reading is written NaN or left empty)'],
  ])('refuses %s: %s', (text, reason) => {
    expect(parseUsageValue(text)).toEqual({ reason });
  });

  it('refuses a 60,000-digit number with a short reason', () => {
    const outcome = parseUsageValue('9'.repeat(60_000));
    expect('reason' in outcome && outcome.reason.length < 200).toBe(true);
  });

  it('loads exactly the value written when it is inside the domain and refuses it otherwise (against a BigInt reference)', () => {
    fc.assert(
      fc.property(numberLike, (text) => {
        const outcome = parseUsageValue(text);
        const expected = text === '' ? undefined : scaledReference(text);
        const inDomain = expected !== undefined && expected >= 0n && expected < 10n ** 21n;
        if (text === '') return expect(outcome).toEqual({ usage: null });
        if (!inDomain) return expect('reason' in outcome).toBe(true);
        expect('usage' in outcome).toBe(true);
        const usage = (outcome as { usage: string }).usage;
        expect(usage).toMatch(/^\d*\.?\d*$/);
        expect(scaledReference(usage)).toBe(expected);
      }),
      { numRuns: 5000 },
    );
  });
});
