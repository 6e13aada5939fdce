// Concurrent requests for the same meter's data version share one read, but only a read that
// started after they came in: a read already in flight may have passed the commit of an upload
// that happened before a later request arrived, and that request must see it. So a request
// arriving while a read runs waits for the next one, which starts when the running one ends and
// is shared by everyone who arrived meanwhile. Under N concurrent requests for one meter one read
// is in flight at a time instead of N, and each request's answer is still at least as new as the
// last write committed before it came in.

interface Deferred<Value> {
  promise: Promise<Value>;
  resolve: (value: Value) => void;
  reject: (error: unknown) => void;
}

interface KeyState<Value> {
  /** The read that starts when the one in flight ends, for the requests that arrived after that one started (made by the first of them). */
  next: (Deferred<Value> & { read: () => Promise<Value> }) | undefined;
}

function deferred<Value>(): Deferred<Value> {
  let resolve!: (value: Value) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<Value>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export class FreshReads<Value> {
  private readonly keys = new Map<string, KeyState<Value>>();

  /** The result of a read of `key` that starts no earlier than this call; read() starts one when needed. */
  read(key: string, read: () => Promise<Value>): Promise<Value> {
    const state = this.keys.get(key);
    if (state === undefined) return this.start(key, read);
    state.next ??= { ...deferred<Value>(), read };
    return state.next.promise;
  }

  /** Keys with a read in flight (for tests and metrics). */
  get inFlight(): number {
    return this.keys.size;
  }

  private start(key: string, read: () => Promise<Value>): Promise<Value> {
    // Started in a promise, so a read that throws at once is a rejection its sharers all receive.
    const running = Promise.resolve().then(read);
    const state: KeyState<Value> = { next: undefined };
    this.keys.set(key, state);
    const settle = () => {
      const waiting = state.next;
      if (waiting === undefined) {
        this.keys.delete(key);
        return;
      }
      // The waiting requests all arrived after `running` started: their read starts now.
      this.start(key, waiting.read).then(waiting.resolve, waiting.reject);
    };
    running.then(settle, settle);
    return running;
  }
}
