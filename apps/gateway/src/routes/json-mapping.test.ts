import { TimeOutsideRfc3339Error } from '@meterusage/contracts';
import fc from 'fast-check';
import { toIsoSeconds } from './json-mapping';
import { TextSink } from '@meterusage/contracts';
import { EARLIEST_MS, LATEST_MS } from './time-domain';

// The two writers of RFC 3339 times: toIsoSeconds for the few times of small answers, and
// TextSink.isoSeconds (bytes, with its day cache) for large ones. Both against toISOString.

/** TextSink.isoSeconds of each instant, written one after another into one sink (the cache carried across). */
function sinkIsoSeconds(instants: number[]): string[] {
  const out = new TextSink();
  for (const ms of instants) {
    out.isoSeconds(ms);
    out.byte(10);
  }
  return Buffer.concat(out.finish()).toString('latin1').split('\n').slice(0, -1);
}

const writers: [string, (ms: number) => string | undefined][] = [
  ['toIsoSeconds', (ms) => toIsoSeconds(new Date(ms))],
  ['TextSink.isoSeconds', (ms) => sinkIsoSeconds([ms])[0]],
];

describe.each(writers)('%s', (_name, write) => {
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
    for (const iso of instants) expect(write(Date.parse(iso))).toBe(iso);
  });

  it('keeps fractional seconds, and refuses an invalid time as toISOString does', () => {
    expect(write(Date.parse('2019-01-01T00:00:00.250Z'))).toBe('2019-01-01T00:00:00.250Z');
    expect(() => write(Number.NaN)).toThrow(RangeError);
  });

  it('writes years 0001 and 9999 with four digits, and refuses (400 OUT_OF_RANGE) the times RFC 3339 cannot write', () => {
    expect(write(Date.parse('0001-01-01T00:00:00Z'))).toBe('0001-01-01T00:00:00Z');
    expect(write(Date.parse('0099-12-31T23:45:00Z'))).toBe('0099-12-31T23:45:00Z');
    expect(write(Date.parse('9999-12-31T23:59:59.999Z'))).toBe('9999-12-31T23:59:59.999Z');
    for (const outside of ['+010000-01-01T00:00:00Z', '0000-12-31T23:59:59Z', '-000001-01-01T00:00:00Z']) {
      expect(() => write(Date.parse(outside))).toThrow(TimeOutsideRfc3339Error);
    }
  });
});

describe('toIsoSeconds', () => {
  it('is undefined for undefined', () => {
    expect(toIsoSeconds(undefined)).toBeUndefined();
  });
});

describe('TextSink', () => {
  const expectedIso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

  it('writes runs of instants (whole seconds or not, in and out of order, many per day) as toISOString does', () => {
    const wholeSecond = fc.integer({ min: EARLIEST_MS / 1000, max: Math.floor(LATEST_MS / 1000) }).map((seconds) => seconds * 1000);
    const anyMs = fc.integer({ min: EARLIEST_MS, max: LATEST_MS });
    // Runs of 15-minute steps from a start: the day cache's common case, crossing midnights.
    const run = fc
      .tuple(wholeSecond, fc.integer({ min: 1, max: 200 }))
      .map(([start, count]) => Array.from({ length: count }, (_, index) => start + index * 900_000).filter((ms) => ms <= LATEST_MS));
    fc.assert(
      fc.property(fc.array(fc.oneof(run, fc.array(fc.oneof(wholeSecond, anyMs), { maxLength: 20 })), { maxLength: 8 }), (runs) => {
        const instants = runs.flat();
        expect(sinkIsoSeconds(instants)).toEqual(instants.map(expectedIso));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps every write across chunk boundaries: ASCII, bytes, numbers, in order', () => {
    const piece = fc.oneof(
      fc.string({ unit: fc.integer({ min: 0, max: 127 }).map((code) => String.fromCharCode(code)), maxLength: 100 }).map((text) => ({ ascii: text })),
      fc.uint8Array({ maxLength: 70_000 }).map((bytes) => ({ bytes })),
      fc.double().map((number) => ({ number })),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), (pieces) => {
        const out = new TextSink();
        const expected: Buffer[] = [];
        for (const written of pieces) {
          if ('ascii' in written) {
            out.ascii(written.ascii);
            expected.push(Buffer.from(written.ascii, 'latin1'));
          } else if ('bytes' in written) {
            out.bytes(written.bytes);
            expected.push(Buffer.from(written.bytes));
          } else {
            out.number(written.number);
            expected.push(Buffer.from(String(written.number), 'latin1'));
          }
        }
        expect(Buffer.concat(out.finish()).equals(Buffer.concat(expected))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
