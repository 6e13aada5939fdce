/** Elements whose JSON text is turned into UTF-8 bytes at once (about 10 kB of buckets or readings). */
const ELEMENTS_PER_CHUNK = 64;

/**
 * The elements of a large JSON array as UTF-8 bytes, joined with commas and encoded a few at a
 * time as they are added: handed one multi-megabyte string, Fastify would measure it
 * (Buffer.byteLength) and the socket encode it, each in one step of tens of milliseconds.
 * JSON.stringify escapes lone surrogates, so encoding piecewise gives the same bytes as encoding
 * the whole.
 */
export class JsonArrayChunks {
  private readonly chunks: Buffer[] = [];
  private pending: string[] = [];

  add(elementText: string): void {
    this.pending.push(elementText);
    if (this.pending.length === ELEMENTS_PER_CHUNK) this.flush();
  }

  /** The array's contents (without its brackets), in pieces. */
  finish(): Buffer[] {
    if (this.pending.length > 0) this.flush();
    return this.chunks;
  }

  private flush(): void {
    this.chunks.push(Buffer.from((this.chunks.length === 0 ? '' : ',') + this.pending.join(','), 'utf8'));
    this.pending = [];
  }
}

/** Text before, the array's pieces, text after: one body. */
export function bodyAround(before: string, elements: JsonArrayChunks, after: string): Buffer {
  return Buffer.concat([Buffer.from(before, 'utf8'), ...elements.finish(), Buffer.from(after, 'utf8')]);
}
