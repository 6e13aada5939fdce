/**
 * An instant as timestamptz input text. toISOString writes years past 9999 in its extended form
 * ("+010000-01-01T00:00:00.000Z"), which PostgreSQL does not read, and a range may well end there:
 * the last interval of 9999 ends at 10000-01-01. Those are written as PostgreSQL reads them
 * ("10000-01-01T00:00:00.000Z"); every other instant as toISOString writes it.
 */
export function instantText(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.startsWith('+') ? iso.slice(1).replace(/^0+(?=\d{5})/, '') : iso;
}
