import { ShuttingDownError } from '../errors';

/**
 * Ends the uploads (client streams) still running when a shutdown's grace period is over, with a
 * status that says why (UNAVAILABLE, "server shutting down; nothing written, send the upload
 * again"), before forceShutdown cuts the rest: a cut call reaches its client as CANCELLED, which
 * reads as if the client had given up. clientStream runs each upload's work through run().
 */
export class StreamShutdown {
  private readonly ending = new AbortController();
  private readonly running = new Set<Promise<void>>();

  /** Runs one stream's work; end() aborts its cancellation with a ShuttingDownError. */
  run<T>(cancellation: AbortController, work: () => Promise<T>): Promise<T> {
    const end = () => cancellation.abort(this.ending.signal.reason);
    if (this.ending.signal.aborted) end();
    else this.ending.signal.addEventListener('abort', end, { once: true });
    const result = work().finally(() => this.ending.signal.removeEventListener('abort', end));
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.running.add(settled);
    void settled.then(() => this.running.delete(settled));
    return result;
  }

  /** Ends every running upload and resolves once their work has settled (rolled back, connections released). */
  async end(): Promise<void> {
    this.ending.abort(new ShuttingDownError());
    await Promise.all(this.running);
  }
}
