import fc from 'fast-check';
import { ReadingRows, StagingRows } from './copy-rows';
import type { StoredQuality } from '../db/schema';

// StagingRows writes COPY text as bytes; it must give exactly the text the template would.
const copyText = (line: number, meterId: string, startMs: number, usage: string | null, quality: StoredQuality | undefined) =>
  `${line}\t${meterId}\t${startMs}\t${usage ?? '\\N'}${quality === undefined ? '' : `\t${quality}`}\n`;

describe('StagingRows', () => {
  it('writes each row as COPY text, byte for byte, for any line, meter, start, value and quality (or none)', () => {
    const row = fc.tuple(
      fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/),
      fc.oneof(fc.integer({ min: -(2 ** 50), max: 2 ** 50 }), fc.constantFrom(0, 99_999_999, 100_000_000, -100_000_000, 946_684_800_000)),
      fc.option(fc.stringMatching(/^[0-9]{1,12}(\.[0-9]{0,6})?([eE][+-]?[0-9]{1,3})?$/), { nil: null }),
      fc.constantFrom<StoredQuality>('actual', 'estimated', 'edited'),
    );
    fc.assert(
      fc.property(fc.array(row, { maxLength: 50 }), fc.boolean(), (rows, withQuality) => {
        const staging = new StagingRows(64);
        staging.withQuality = withQuality;
        for (const [line, meterId, startMs, usage, quality] of rows) staging.add(line, meterId, startMs, usage, quality);
        const expected = rows.map(([line, meterId, startMs, usage, quality]) => copyText(line, meterId, startMs, usage, withQuality ? quality : undefined));
        expect(staging.take()?.toString('latin1') ?? '').toBe(expected.join(''));
        expect(staging.take()).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('grows for a value longer than its buffer and starts a new buffer after each take', () => {
    const staging = new StagingRows(16);
    const long = '1'.repeat(1000);
    staging.withQuality = true;
    staging.add(7, 'meter-1', 946_684_800_000, long, 'actual');
    const first = staging.take()!;
    staging.add(8, 'm', -900_000, null, 'edited');
    expect(first.toString('latin1')).toBe(copyText(7, 'meter-1', 946_684_800_000, long, 'actual'));
    expect(staging.take()!.toString('latin1')).toBe('8\tm\t-900000\t\\N\tedited\n');
  });
});

describe('ReadingRows', () => {
  // What PostgreSQL reads back: the same instant, to the millisecond, in UTC.
  const readingText = (meterId: string, startMs: number, usage: string | null, quality: StoredQuality | undefined, uploadId: string) =>
    `${meterId}\t${new Date(startMs).toISOString().replace('T', ' ').replace('Z', '+00')}\t${usage ?? '\\N'}${quality === undefined ? '' : `\t${quality}`}\t${uploadId}\n`;

  it('writes each reading as COPY text for readings, for any instant of years 1–9999, value, quality (or none) and upload', () => {
    const row = fc.tuple(
      fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/),
      fc.oneof(fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 }), fc.constantFrom(0, 86_399_999, 86_400_000, -1)),
      fc.option(fc.stringMatching(/^[0-9]{1,12}(\.[0-9]{0,6})?$/), { nil: null }),
      fc.constantFrom<StoredQuality>('actual', 'estimated', 'edited'),
    );
    fc.assert(
      fc.property(fc.array(row, { maxLength: 40 }), fc.boolean(), fc.bigInt({ min: 1n, max: 2n ** 62n }), (rows, withQuality, uploadId) => {
        const readings = new ReadingRows(withQuality, String(uploadId), 64);
        for (const [meterId, startMs, usage, quality] of rows) readings.add(meterId, startMs, usage, quality);
        const expected = rows.map(([meterId, startMs, usage, quality]) =>
          readingText(meterId, startMs, usage, withQuality ? quality : undefined, String(uploadId)),
        );
        expect(readings.take()?.toString('latin1') ?? '').toBe(expected.join(''));
        expect(readings.take()).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });
});
