import fc from 'fast-check';
import { CsvRowReader, MAX_LINE_CHARS, type CsvRecord } from './csv-row-reader';

/** Feeds text in chunks of `size` characters and collects every record (plainFastPath false: papaparse only). */
function readAll(text: string, size: number, plainFastPath = true): CsvRecord[] {
  return readChunks(chunksOf(text, size), plainFastPath);
}

function chunksOf(text: string, size: number): string[] {
  const chunks: string[] = [];
  for (let at = 0; at < text.length; at += size) chunks.push(text.slice(at, at + size));
  return chunks;
}

function readChunks(chunks: string[], plainFastPath = true): CsvRecord[] {
  const reader = new CsvRowReader(plainFastPath);
  const records: CsvRecord[] = [];
  for (const chunk of chunks) records.push(...reader.push(chunk));
  records.push(...reader.end());
  return records;
}

describe('CsvRowReader', () => {
  const text = 'time,meterusage\r\n2019-01-01 00:15:00,1\r\n"2019-01-01\n00:30:00",2\r\n\r\n2019-01-01 00:45:00,"3,5"\r\n';

  it.each([1, 2, 3, 7, 64, 10_000])('gives the same records and line numbers whatever the chunk size (%i)', (size) => {
    expect(readAll(`\uFEFF${text}`, size)).toEqual([
      { line: 1, fields: ['time', 'meterusage'] },
      { line: 2, fields: ['2019-01-01 00:15:00', '1'] },
      { line: 3, fields: ['2019-01-01\n00:30:00', '2'] },
      { line: 5, fields: [''] },
      { line: 6, fields: ['2019-01-01 00:45:00', '3,5'] },
    ]);
  });

  it('reads a last line without a line break', () => {
    expect(readAll('a,b\n1,2', 3)).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
    ]);
  });

  it('reports an unterminated quote at the end of the input with its line', () => {
    const records = readAll('a,b\n1,2\n"3,4\n5,6\n', 4);
    expect(records.slice(0, 2)).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
    ]);
    expect(records[2]).toMatchObject({ line: 3, error: expect.stringMatching(/^malformed CSV: .*[Qq]uote/) });
  });

  it('rejects a line longer than the limit and carries on with the next one', () => {
    const long = 'x'.repeat(MAX_LINE_CHARS + 10);
    expect(readAll(`a,b\n${long}\n1,2\n`, 4096)).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, error: `line is longer than ${MAX_LINE_CHARS} characters` },
      { line: 3, fields: ['1', '2'] },
    ]);
  });

  describe('the quote-free fast path', () => {
    const plain = 'time,meterusage\n2019-01-01 00:15:00,1\n\n2019-01-01 00:30:00,2,extra\n,\n2019-01-01 00:45:00\n';
    const crlf = '\uFEFFtime,meterusage\r\n2019-01-01 00:15:00,1\r\n2019-01-01 00:30:00,2\r\n\r\nlast,row';

    it.each([
      ['LF', plain],
      ['CRLF', crlf],
      ['a CR before LF line ends', plain.replaceAll('\n', '\r\n')],
      ['quotes in some chunks only', `${plain}"quoted\n,field",x\n${plain}`],
      ['a line over the limit', `a,b\n${'y'.repeat(MAX_LINE_CHARS + 1)}\n1,2\n`],
    ])('gives the records papaparse gives for %s, whatever the chunk size', (_name, text) => {
      const expected = readAll(text, text.length, false);
      // Small chunks only for short texts: a long line is re-scanned on every chunk until it ends.
      for (const size of [1, 2, 3, 5, 8, 13, 64, 4096, text.length].filter((size) => text.length < 1000 || size >= 64)) {
        expect(readAll(text, size)).toEqual(expected);
        expect(readAll(text, size, false)).toEqual(expected);
      }
    });

    it('reads a chunk boundary in the middle of a line and a CRLF split between chunks', () => {
      const chunks = ['time,meterusage\r', '\n2019-01-01 00:1', '5:00,1\r', '\n2019-01-01 00:30:00,2\r\n'];
      const expected = [
        { line: 1, fields: ['time', 'meterusage'] },
        { line: 2, fields: ['2019-01-01 00:15:00', '1'] },
        { line: 3, fields: ['2019-01-01 00:30:00', '2'] },
      ];
      expect(readChunks(chunks)).toEqual(expected);
      expect(readChunks(chunks, false)).toEqual(expected);
    });

    it('keeps a lone LF inside a field of a CRLF file and counts it as a line, as papaparse does', () => {
      const text = 'time,meterusage\r\n2019-01-01 00:30:00,2\nstill line 3,x\r\nlast,row';
      const expected = [
        { line: 1, fields: ['time', 'meterusage'] },
        { line: 2, fields: ['2019-01-01 00:30:00', '2\nstill line 3', 'x'] },
        { line: 4, fields: ['last', 'row'] },
      ];
      expect(readAll(text, text.length)).toEqual(expected);
      expect(readAll(text, text.length, false)).toEqual(expected);
      // Where a chunk ends just after the lone LF, both paths read it as a line end (the lines
      // received so far end at the last LF).
      for (const size of [1, 7, 40]) expect(readAll(text, size)).toEqual(readAll(text, size, false));
    });
  });
});

// Property tests: arbitrary CSV-ish text (fields, quotes, commas, CR/LF/CRLF, a BOM) cut into
// arbitrary chunks. The reader must never throw, its quote-free fast path must give exactly what
// papaparse gives, and every record must carry a line number, in increasing order.

const token = fc.constantFrom('a', '7', '2019-01-01 00:15:00', '1.5', 'NaN', ',', ',', '"', '""', '\n', '\n', '\r\n', '\r\n', '\r', ' ', 'é', '\u0000');
const csvText = fc.tuple(fc.boolean(), fc.array(token, { maxLength: 80 })).map(([bom, tokens]) => `${bom ? '\uFEFF' : ''}${tokens.join('')}`);
const cutPoints = fc.array(fc.nat({ max: 400 }), { maxLength: 12 });

function chunked(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let from = 0;
  for (const point of points) {
    chunks.push(text.slice(from, point));
    from = point;
  }
  chunks.push(text.slice(from));
  return chunks;
}

describe('CsvRowReader properties', () => {
  it('never throws, and the fast path agrees with papaparse on any text and any chunking', () => {
    fc.assert(
      fc.property(csvText, cutPoints, (text, cuts) => {
        const chunks = chunked(text, cuts);
        expect(readChunks(chunks)).toEqual(readChunks(chunks, false));
      }),
      { numRuns: 2000 },
    );
  });

  it('gives every record a line number, increasing, and reads quote-free text the same whatever the chunking', () => {
    fc.assert(
      fc.property(csvText, cutPoints, (text, cuts) => {
        const records = readChunks(chunked(text, cuts));
        let previous = 0;
        for (const record of records) {
          expect(record.line).toBeGreaterThan(previous);
          previous = record.line;
          expect('fields' in record ? record.fields.length > 0 : record.error.length > 0).toBe(true);
        }
        // The line count covers every line break of the text.
        const lineBreaks = text.split('\n').length - 1;
        if (records.length > 0) expect(records.at(-1)!.line).toBeLessThanOrEqual(lineBreaks + 1);
        // Without quotes, lone CRs and mixed line ends (the line end is told from the first
        // complete line, so mixed ones depend on where chunks end), chunking changes nothing.
        const outsideCrlf = text.replaceAll('\r\n', '');
        const oneLineEnd = !text.includes('\r\n') || !outsideCrlf.includes('\n');
        if (!/["\r]/.test(outsideCrlf) && oneLineEnd) expect(records).toEqual(readChunks([text]));
      }),
      { numRuns: 2000 },
    );
  });
});
