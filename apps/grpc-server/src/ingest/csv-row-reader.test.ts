import { CsvRowReader, MAX_LINE_CHARS, type CsvRecord } from './csv-row-reader';

/** Feeds text in chunks of `size` characters and collects every record. */
function readAll(text: string, size: number): CsvRecord[] {
  const reader = new CsvRowReader();
  const records: CsvRecord[] = [];
  for (let at = 0; at < text.length; at += size) records.push(...reader.push(text.slice(at, at + size)));
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
});
