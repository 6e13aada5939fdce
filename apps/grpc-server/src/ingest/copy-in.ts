import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

/**
 * One COPY … FROM STDIN on an upload's connection, opened on the first write. It can be ended
 * (pause) to run another statement on the connection, which COPY mode blocks, and reopens with the
 * same statement on the next write. Subclasses name the statement.
 */
export abstract class CopyIn {
  private stream: Writable | undefined;
  private done: Promise<void> | undefined;
  private error: Error | undefined;

  constructor(protected readonly client: pg.PoolClient) {}

  /** The COPY statement, read each time the COPY (re)opens. */
  protected abstract statement(): string;

  /** Sends rows (COPY text), waiting while the stream is full. */
  async write(rows: Buffer | undefined): Promise<void> {
    // pg-copy-streams reports a lost connection as an 'error' event but stays writable, and its next
    // write then throws a TypeError: stop at the connection's own error instead (a 503, not a 500).
    if (this.error !== undefined) throw this.error;
    if (rows === undefined) return;
    const stream = this.stream ?? this.open();
    if (!stream.write(rows)) await Promise.race([once(stream, 'drain'), this.done]);
  }

  /** Ends the COPY (its rows are then in the table) so the connection can run other statements. */
  async pause(): Promise<void> {
    if (this.stream === undefined) return;
    this.stream.end();
    await this.done;
    this.stream = undefined;
  }

  /**
   * Fails a COPY still open (CopyFail): a connection in COPY mode would queue the rollback behind it
   * forever.
   */
  async abort(): Promise<void> {
    if (this.stream === undefined) return;
    this.stream.destroy(new Error('upload aborted'));
    await this.done?.catch(() => undefined);
    this.stream = undefined;
  }

  private open(): Writable {
    const stream: Writable = this.client.query(copyFrom(this.statement()));
    this.done = finished(stream);
    this.done.catch(() => undefined); // surfaced by write and pause
    stream.on('error', (error: Error) => (this.error ??= error));
    this.stream = stream;
    return stream;
  }
}
