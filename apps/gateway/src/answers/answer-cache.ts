/** One finished answer, as sent: its bytes and content type, and what it was computed from. */
export interface CachedAnswer {
  /** The meter the answer reads and its data version when the answer was asked for. */
  meterId: string;
  dataVersion: number;
  contentType: string;
  body: Buffer;
}

/**
 * Finished answers by request URL, bounded by the bytes of their bodies: least recently used
 * first out. An answer over an eighth of the budget is not kept, so one huge answer cannot empty
 * the cache. A Map keeps insertion order; a hit moves its entry to the end.
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

  /** Keeps answer for url (replacing what was kept), then evicts the least recently used past the budget. */
  set(url: string, answer: CachedAnswer): void {
    if (answer.body.length > this.maxBytes / 8) return;
    const previous = this.answers.get(url);
    if (previous !== undefined) {
      if (supersedes(previous, answer)) return; // a slower request must not put back older data
      this.delete(url, previous);
    }
    this.answers.set(url, answer);
    this.bytes += answer.body.length;
    for (const [oldestUrl, oldest] of this.answers) {
      if (this.bytes <= this.maxBytes) break;
      this.delete(oldestUrl, oldest);
    }
  }

  /** Bytes of the bodies kept. */
  get size(): number {
    return this.bytes;
  }

  private delete(url: string, answer: CachedAnswer): void {
    this.answers.delete(url);
    this.bytes -= answer.body.length;
  }
}

/** Whether a is of the same meter as b at a later data version. */
function supersedes(a: Pick<CachedAnswer, 'meterId' | 'dataVersion'>, b: Pick<CachedAnswer, 'meterId' | 'dataVersion'>): boolean {
  return a.meterId === b.meterId && a.dataVersion > b.dataVersion;
}
