import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidArgumentError } from '../errors';

/** What a page token remembers: the query it belongs to and where the next page starts. */
export interface PageCursor {
  meterId: string;
  /** The request's range bounds as given (undefined = open), so a token only continues its own query. */
  startMs: number | undefined;
  endMs: number | undefined;
  /** Interval start of the first reading of the next page. */
  nextStartMs: number;
}

interface TokenBody {
  v: 1;
  m: string;
  s: number | null;
  e: number | null;
  n: number;
}

/**
 * Opaque page tokens (AIP-158): base64url JSON plus an HMAC, so a client cannot forge or edit
 * one; the decoded values are checked and only ever reach SQL as parameters.
 */
export class PageTokens {
  constructor(private readonly secret: string) {}

  encode(cursor: PageCursor): string {
    const body: TokenBody = { v: 1, m: cursor.meterId, s: cursor.startMs ?? null, e: cursor.endMs ?? null, n: cursor.nextStartMs };
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
    if (body.m !== request.meterId || body.s !== (request.startMs ?? null) || body.e !== (request.endMs ?? null)) {
      throw invalid('belongs to a different query: keep meter_id, start_time and end_time unchanged while paging');
    }
    return { ...request, nextStartMs: body.n };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url').slice(0, 22);
  }
}
