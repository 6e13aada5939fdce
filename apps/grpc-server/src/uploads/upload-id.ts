// An upload's id as clients see it: the decimal digits of its bigint identity.

/** The largest id PostgreSQL's bigint holds; a larger number names no upload and must not reach SQL (out of range: a 500). */
const MAX_UPLOAD_ID = 9_223_372_036_854_775_807n;

/** Whether text is an upload id: 1 to 19 digits, no leading zero, within bigint. */
export function isUploadId(text: string): boolean {
  return /^[1-9]\d{0,18}$/.test(text) && BigInt(text) <= MAX_UPLOAD_ID;
}
