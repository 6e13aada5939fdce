/** One finished answer, as sent: its bytes and content type, and what it was computed from. */
export interface CachedAnswer {
  /** The meter the answer reads and its data version when the answer was asked for. */
  meterId: string;
  dataVersion: number;
  contentType: string;
  body: Buffer;
}

/** What an entry costs besides its body and URL (the entry, its strings, the Map's slot), in bytes. */
const ENTRY_OVERHEAD_BYTES = 256;

/**
 * Finished answers by request URL, bounded by the memory they hold: body, URL (two bytes a
 * character) and a fixed overhead per entry; least recently used first out. An answer over an
 * eighth of the budget is not kept, so one huge answer cannot empty the cache. A Map keeps
 * insertion order; a hit moves its entry to the end.
 */
export class AnswerCache {
  private readonly answers = new Map<string, CachedAnswer>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** The answer kept for url if it was computed from this meter at this data version. */
  get(url: string, meterId: string, dataVersion: number): CachedAnswer | undefined {
    const answer = this.answers.get(url);
    if (answer === undefined) return undefined;
    if (answer.meterId !== meterId || answer.dataVersion !== dataVersion) {
      // Older than asked: outdated for good, versions only move on. Newer: kept for the askers to come.
      if (supersedes({ meterId, dataVersion }, answer)) this.delete(url, answer);
      return undefined;
    }
    this.answers.delete(url);
    this.answers.set(url, answer);
    return answer;
  }

  /** Whether an answer is kept for url, of whatever version. */
  has(url: string): boolean {
    return this.answers.has(url);
  }

  /** Keeps answer for url (replacing what was kept), then evicts the least recently used past the budget. */
  set(url: string, given: CachedAnswer): void {
    if (given.body.length > this.maxBytes / 8) return;
    const previous = this.answers.get(url);
    if (previous !== undefined) {
      if (supersedes(previous, given)) return; // a slower request must not put back older data
      this.delete(url, previous);
    }
    const answer = { ...given, body: ownMemory(given.body) };
    this.answers.set(url, answer);
    this.bytes += costOf(url, answer);
    for (const [oldestUrl, oldest] of this.answers) {
      if (this.bytes <= this.maxBytes) break;
      this.delete(oldestUrl, oldest);
    }
  }

  /** Bytes the entries kept are counted as (bodies, URLs and overhead). */
  get size(): number {
    return this.bytes;
  }

  private delete(url: string, answer: CachedAnswer): void {
    this.answers.delete(url);
    this.bytes -= costOf(url, answer);
  }
}

function costOf(url: string, answer: CachedAnswer): number {
  return answer.body.length + 2 * url.length + ENTRY_OVERHEAD_BYTES;
}

/**
 * body in memory of its own: a small Buffer is often a view of Node's shared 8 KiB pool (or of a
 * larger buffer), and keeping the view would keep all of that alive, uncounted.
 */
function ownMemory(body: Buffer): Buffer {
  if (body.byteOffset === 0 && body.buffer.byteLength === body.length) return body;
  const copy = Buffer.allocUnsafeSlow(body.length);
  body.copy(copy);
  return copy;
}

/** Whether a is of the same meter as b at a later data version. */
function supersedes(a: Pick<CachedAnswer, 'meterId' | 'dataVersion'>, b: Pick<CachedAnswer, 'meterId' | 'dataVersion'>): boolean {
  return a.meterId === b.meterId && a.dataVersion > b.dataVersion;
}
