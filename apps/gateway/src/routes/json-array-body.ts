import { TextSink } from '@meterusage/contracts';

const COMMA = 44;

/**
 * A large JSON array written element by element into bytes (TextSink), then wrapped in the text
 * around it: handed one multi-megabyte string, Fastify would measure it (Buffer.byteLength) and
 * the socket encode it, each in one step of tens of milliseconds.
 */
export class JsonArrayBody<Element> {
  private readonly out = new TextSink();
  private count = 0;

  /** write: how one element is written as JSON. */
  constructor(private readonly write: (out: TextSink, element: Element) => void) {}

  add(element: Element): void {
    if (this.count++ > 0) this.out.byte(COMMA);
    this.write(this.out, element);
  }

  /** Text before, the elements, text after: one body. */
  body(before: string, after: string): Buffer {
    return Buffer.concat([Buffer.from(before, 'utf8'), ...this.out.finish(), Buffer.from(after, 'utf8')]);
  }
}
