import Papa from 'papaparse';

/** One CSV record with the line it starts on, or why it could not be read. */
export type CsvRecord = { line: number; fields: string[] } | { line: number; error: string };

/** Longest line accepted; anything longer is rejected and skipped instead of filling memory. */
export const MAX_LINE_CHARS = 64 * 1024;

/**
 * Splits CSV text that arrives in chunks of any size into records, with papaparse doing the
 * quoting rules. Each call parses the complete lines received so far; an unterminated quoted
 * field is carried over to the next chunk, so rows may span chunks. Memory stays bounded by the
 * chunk size and MAX_LINE_CHARS, whatever the file size.
 */
export class CsvRowReader {
  private carry = '';
  private line = 1;
  private newline: '\n' | '\r\n' | undefined;
  private skippingLongLine = false;
  private started = false;

  /** Records completed by this chunk of text. */
  push(text: string): CsvRecord[] {
    if (!this.started) {
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
    let rowStart = 0;
    let carriedFrom: number | undefined;
    Papa.parse<string[]>(text, {
      delimiter: ',',
      newline: this.newline,
      step: (row, parser) => {
        const start = rowStart;
        rowStart = row.meta.cursor;
        // A quoted field still open at the end of the text continues in the next chunk.
        if (!final && row.errors.some((error) => error.code === 'MissingQuotes') && row.meta.cursor >= text.length) {
          carriedFrom = start;
          parser.abort();
          return;
        }
        records.push(this.record(row));
      },
    });
    this.carry = carriedFrom === undefined ? buffer.slice(cut) : buffer.slice(carriedFrom);
    if (carriedFrom !== undefined && this.carry.length > MAX_LINE_CHARS) this.rejectLongLine(records);
    return records;
  }

  private record(row: Papa.ParseStepResult<string[]>): CsvRecord {
    const line = this.line;
    // The next record starts after this one's line break and any inside its quoted fields.
    let breaks = 1;
    for (const field of row.data) for (let at = field.indexOf('\n'); at >= 0; at = field.indexOf('\n', at + 1)) breaks += 1;
    this.line += breaks;
    if (row.errors.length > 0) return { line, error: `malformed CSV: ${row.errors.map((error) => error.message).join('; ')}` };
    let length = row.data.length - 1;
    for (const field of row.data) length += field.length;
    if (length > MAX_LINE_CHARS) return { line, error: `line is longer than ${MAX_LINE_CHARS} characters` };
    return { line, fields: row.data };
  }

  private rejectLongLine(records: CsvRecord[]): void {
    records.push({ line: this.line, error: `line is longer than ${MAX_LINE_CHARS} characters` });
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
