import type { StoredQuality } from '../db/schema';
import { clip } from './clip';

// The quality column of an upload: where a value comes from. Our own export writes the contract's
// names (READING_QUALITY_MEASURED, …), people write the short ones (actual, estimated, edited), so
// both load, in any case. An empty field is actual: a file without the column is all actual.

/** A quality field read: the stored quality and whether the field demands a missing value, or why it is refused. */
export type QualityField = { quality: StoredQuality; missing: boolean } | { reason: string };

const ACTUAL: QualityField = Object.freeze({ quality: 'actual', missing: false });
const ESTIMATED: QualityField = Object.freeze({ quality: 'estimated', missing: false });
const EDITED: QualityField = Object.freeze({ quality: 'edited', missing: false });
const MISSING_IN_SOURCE: QualityField = Object.freeze({ quality: 'actual', missing: true });

const NAMES = new Map<string, QualityField>([
  ['', ACTUAL],
  ['actual', ACTUAL],
  ['measured', ACTUAL],
  ['reading_quality_measured', ACTUAL],
  ['estimated', ESTIMATED],
  ['reading_quality_estimated', ESTIMATED],
  ['edited', EDITED],
  ['reading_quality_edited', EDITED],
  ['missing_in_source', MISSING_IN_SOURCE],
  ['reading_quality_missing_in_source', MISSING_IN_SOURCE],
]);

/** The words a quality field may hold, for messages. */
export const QUALITY_WORDS = 'actual, estimated, edited or missing_in_source (or their READING_QUALITY_ names)';

/** Reads a (trimmed) quality field. */
export function parseQualityField(raw: string): QualityField {
  const known = NAMES.get(raw.toLowerCase());
  if (known !== undefined) return known;
  if (/^(reading_quality_)?not_received$/i.test(raw)) return { reason: 'quality NOT_RECEIVED marks an interval nothing was received for: drop the row' };
  return { reason: `"${clip(raw)}" is not a reading quality: expected ${QUALITY_WORDS}` };
}

/**
 * Whether a value agrees with its quality: missing_in_source needs a missing value, estimated and
 * edited a present one (a missing value is missing, whatever the quality). Undefined when it does.
 */
export function qualityMismatch(field: Exclude<QualityField, { reason: string }>, usage: string | null): string | undefined {
  if (field.missing && usage !== null) return 'quality MISSING_IN_SOURCE with a value: leave the value empty or change the quality';
  if (!field.missing && usage === null && field.quality !== 'actual') return `quality ${field.quality.toUpperCase()} needs a value`;
  return undefined;
}
