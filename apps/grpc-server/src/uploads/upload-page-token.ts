import { InvalidArgumentError } from '../errors';
import { isUploadId } from './upload-id';

// ListUploads' page tokens (AIP-158): opaque base64url JSON of the query's meter and the id the
// next page starts below. Not signed: every page is filtered by the caller's grants anyway, so an
// edited token only moves within what the caller may see; its values are checked and reach SQL
// only as parameters.

interface TokenBody {
  v: 1;
  m: string;
  b: string;
}

export function encodeUploadPageToken(meterId: string, beforeId: string): string {
  const body: TokenBody = { v: 1, m: meterId, b: beforeId };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/** The id the page starts below; INVALID_ARGUMENT for a token not issued for this query. */
export function decodeUploadPageToken(token: string, meterId: string): string {
  let body: Partial<TokenBody> | undefined;
  try {
    body = token.length <= 512 ? (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<TokenBody>) : undefined;
  } catch {
    body = undefined;
  }
  if (body?.v !== 1 || typeof body.b !== 'string' || !isUploadId(body.b) || typeof body.m !== 'string') {
    throw new InvalidArgumentError('page_token', 'is not a token this server issued');
  }
  if (body.m !== meterId) throw new InvalidArgumentError('page_token', 'belongs to a different query: keep meter_id unchanged while paging');
  return body.b;
}
