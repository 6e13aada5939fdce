import { Readable } from 'node:stream';

/** Bytes handed to the socket at once when a large body is sent. */
const WRITE_BYTES = 256 * 1024;

/**
 * A body sent as a stream of views of WRITE_BYTES: one write of 5.6 MB copied it into the kernel
 * in one step of over 10 ms; piece by piece, each next write waits for the socket to drain. It
 * keeps the whole body, so an onSend hook can still see (and keep) what is sent.
 */
export class BodyPieces extends Readable {
  private next = 0;

  constructor(readonly whole: Buffer) {
    super();
  }

  override _read(): void {
    const piece = this.whole.subarray(this.next, this.next + WRITE_BYTES);
    this.next += piece.length;
    this.push(piece.length > 0 ? piece : null);
  }
}

/** The body as it is best sent: a Buffer when it is small, else in pieces. */
export function sendable(body: Buffer): Buffer | BodyPieces {
  return body.length > WRITE_BYTES ? new BodyPieces(body) : body;
}
