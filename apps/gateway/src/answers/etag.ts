// Validators of the answers that depend only on their URL and one meter's data (RFC 9110 §8.8.3).
// The tag is weak: the answer cached for a version may have been computed a moment later, from a
// newer version (never an older one), so two answers under one tag are equivalent, not byte-equal.

/** The ETag of an answer from meterId's data at dataVersion. Meter ids have no '"' or ',' in them. */
export function etagOf(meterId: string, dataVersion: number): string {
  return `W/"${meterId}.${dataVersion}"`;
}

/**
 * Whether an If-None-Match header matches etag by weak comparison: "*", or any listed tag whose
 * opaque part equals etag's, with or without W/. Unparsable parts match nothing.
 */
export function ifNoneMatchMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const wanted = opaquePart(etag);
  for (const match of header.matchAll(/(?:W\/)?"([^"]*)"/g)) if (match[1] === wanted) return true;
  return false;
}

function opaquePart(etag: string): string {
  return etag.slice(etag.indexOf('"') + 1, -1);
}
