import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidArgumentError } from '../errors';

/** What a page token remembers: the query it belongs to and where the next page starts. */
export interface PageCursor {
  meterId: string;
  /** The request's range bounds as given (undefined = open), so a token only continues its own query. */
  startMs: number | undefined;
  endMs: number | undefined;
  /** The request's as_of (undefined = now): a page of a past state continues in that state. */
  asOfMs?: number | undefined;
  /** Interval start of the first reading of the next page. */
  nextStartMs: number;
  /** History pages: versions of that interval already listed (the next page starts after them). */
  nextSkip?: number;
}

interface TokenBody {
  v: 1;
  m: string;
  s: number | null;
  e: number | null;
  /** as_of; absent in tokens of reads of now (and in every token issued before as_of existed). */
  a?: number;
  n: number;
  /** nextSkip; absent in tokens of readings. */
  k?: number;
}

/**
 * Opaque page tokens (AIP-158): base64url JSON plus an HMAC, so a client cannot forge or edit
 * one; the decoded values are checked and only ever reach SQL as parameters.
 */
export class PageTokens {
  constructor(private readonly secret: string) {}

  encode(cursor: PageCursor): string {
    const body: TokenBody = {
      v: 1,
      m: cursor.meterId,
      s: cursor.startMs ?? null,
      e: cursor.endMs ?? null,
      ...(cursor.asOfMs === undefined ? {} : { a: cursor.asOfMs }),
      n: cursor.nextStartMs,
      ...(cursor.nextSkip === undefined ? {} : { k: cursor.nextSkip }),
    };
    const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  /** The cursor in token, checked against the request it arrives with; INVALID_ARGUMENT otherwise. */
  decode(token: string, request: Omit<PageCursor, 'nextStartMs'>): PageCursor {
    const invalid = (why: string) => new InvalidArgumentError('page_token', why);
    const [payload, signature, extra] = token.split('.');
    if (payload === undefined || signature === undefined || extra !== undefined || token.length > 512) {
      throw invalid('is not a token this server issued');
    }
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid('is not a token this server issued');

    const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenBody;
    if (body.m !== request.meterId || body.s !== (request.startMs ?? null) || body.e !== (request.endMs ?? null) || body.a !== request.asOfMs) {
      throw invalid('belongs to a different query: keep meter_id, start_time, end_time and as_of unchanged while paging');
    }
    return { ...request, nextStartMs: body.n, ...(body.k === undefined ? {} : { nextSkip: body.k }) };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url').slice(0, 22);
  }
}
