import Papa from 'papaparse';

/** One CSV record with the line it starts on, or why it could not be read. */
export type CsvRecord = { line: number; fields: string[] } | { line: number; error: string };

/** Longest line accepted; anything longer is rejected and skipped instead of filling memory. */
export const MAX_LINE_CHARS = 64 * 1024;
const LONG_LINE = `line is longer than ${MAX_LINE_CHARS} characters`;

/**
 * Splits CSV text that arrives in chunks of any size into records: text without a quote character
 * directly at line breaks and commas, text with quotes by papaparse, which knows the quoting
 * rules. Each call parses the complete lines received so far; an unterminated quoted field is
 * carried over to the next chunk, so rows may span chunks. Memory stays bounded by the
 * chunk size and MAX_LINE_CHARS, whatever the file size.
 */
export class CsvRowReader {
  private carry = '';
  private line = 1;
  private newline: '\n' | '\r\n' | undefined;
  private skippingLongLine = false;
  private started = false;

  /** plainFastPath: false parses every chunk with papaparse (to compare both paths in tests). */
  constructor(private readonly plainFastPath = true) {}

  /** Records completed by this chunk of text. */
  push(text: string): CsvRecord[] {
    // Not on an empty chunk: a byte chunk holding only part of the BOM decodes to ''.
    if (!this.started && text !== '') {
      this.started = true;
      if (text.startsWith('\uFEFF')) text = text.slice(1);
    }
    return this.parse(this.carry + text, false);
  }

  /** The records left when the input ends. */
  end(): CsvRecord[] {
    const rest = this.carry;
    this.carry = '';
    return rest === '' ? [] : this.parse(rest, true);
  }

  private parse(buffer: string, final: boolean): CsvRecord[] {
    const records: CsvRecord[] = [];
    if (this.skippingLongLine) {
      const next = buffer.indexOf('\n');
      if (next < 0) {
        this.carry = '';
        return records;
      }
      this.skippingLongLine = false;
      this.line += 1;
      buffer = buffer.slice(next + 1);
    }
    const cut = final ? buffer.length : buffer.lastIndexOf('\n') + 1;
    if (cut === 0) {
      this.carry = buffer;
      if (buffer.length > MAX_LINE_CHARS) this.rejectLongLine(records);
      return records;
    }
    this.newline ??= buffer.includes('\r\n') ? '\r\n' : '\n';
    // Parse whole lines without the last line break (papaparse would add an empty row after it).
    let end = cut;
    if (buffer[end - 1] === '\n') end -= buffer[end - 2] === '\r' ? 2 : 1;
    const text = buffer.slice(0, end);
    if (text === '') {
      // A lone blank line: papaparse gives no row for empty input.
      records.push({ line: this.line++, fields: [''] });
      this.carry = buffer.slice(cut);
      return records;
    }
    if (this.plainFastPath && text.indexOf('"') < 0) {
      this.splitPlain(text, records);
      this.carry = buffer.slice(cut);
      return records;
    }
    const carriedFrom = this.parseQuoted(text, final, records);
    this.carry = carriedFrom === undefined ? buffer.slice(cut) : buffer.slice(carriedFrom);
    if (carriedFrom !== undefined && this.carry.length > MAX_LINE_CHARS) this.rejectLongLine(records);
    return records;
  }

  /**
   * Text without a quote character: each line break ends a record and each comma a field, exactly
   * what papaparse does for such text (its own "fast mode"), without its per-row result objects.
   */
  private splitPlain(text: string, records: CsvRecord[]): void {
    const newline = this.newline!;
    // The next comma at or after the current position (-1: none left), carried across lines so
    // that each comma is searched for once, even in lines without one.
    let comma = text.indexOf(',');
    for (let start = 0; start <= text.length;) {
      let end = text.indexOf(newline, start);
      if (end < 0) end = text.length;
      const line = this.line;
      this.line += 1;
      // With CRLF line ends a lone LF stays inside its field, as papaparse keeps it, but still starts a new line.
      if (newline === '\r\n') for (let at = text.indexOf('\n', start); at >= 0 && at < end; at = text.indexOf('\n', at + 1)) this.line += 1;
      if (end - start > MAX_LINE_CHARS) {
        records.push({ line, error: LONG_LINE });
        if (comma >= 0 && comma < end) comma = text.indexOf(',', end);
      } else {
        // The fields straight from the text: no string for the whole line.
        const fields: string[] = [];
        let from = start;
        for (; comma >= 0 && comma < end; comma = text.indexOf(',', from)) {
          fields.push(text.slice(from, comma));
          from = comma + 1;
        }
        fields.push(text.slice(from, end));
        records.push({ line, fields });
      }
      start = end + newline.length;
    }
  }

  /** Text with quotes, parsed by papaparse; returns where an unterminated last record starts, to be carried over. */
  private parseQuoted(text: string, final: boolean, records: CsvRecord[]): number | undefined {
    let rowStart = 0;
    let carriedFrom: number | undefined;
    // Papa.Parser rather than Papa.parse: the latter would also strip a U+FEFF at the start of
    // every chunk's text, so whether a mid-file one counts would depend on where chunks end.
    const parser: Papa.Parser = new Papa.Parser({
      delimiter: ',',
      newline: this.newline,
      step: (row: Papa.ParseResult<string[]>) => {
        const start = rowStart;
        rowStart = row.meta.cursor;
        const fields = row.data[0]!;
        // A quoted field still open at the end of the text continues in the next chunk.
        if (!final && row.errors.some((error) => error.code === 'MissingQuotes') && row.meta.cursor >= text.length) {
          carriedFrom = start;
          parser.abort();
          return;
        }
        records.push(this.record(fields, row.errors));
      },
    });
    parser.parse(text, 0, false);
    return carriedFrom;
  }

  private record(fields: string[], errors: Papa.ParseError[]): CsvRecord {
    const line = this.line;
    // The next record starts after this one's line break and any inside its quoted fields.
    let breaks = 1;
    for (const field of fields) for (let at = field.indexOf('\n'); at >= 0; at = field.indexOf('\n', at + 1)) breaks += 1;
    this.line += breaks;
    if (errors.length > 0) return { line, error: `malformed CSV: ${errors.map((error) => error.message).join('; ')}` };
    let length = fields.length - 1;
    for (const field of fields) length += field.length;
    if (length > MAX_LINE_CHARS) return { line, error: LONG_LINE };
    return { line, fields };
  }

  private rejectLongLine(records: CsvRecord[]): void {
    records.push({ line: this.line, error: LONG_LINE });
    const next = this.carry.indexOf('\n');
    if (next >= 0) {
      this.line += 1;
      this.carry = this.carry.slice(next + 1);
    } else {
      this.carry = '';
      this.skippingLongLine = true;
    }
  }
}
