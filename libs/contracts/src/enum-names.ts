/**
 * The member names of a generated enum as they appear in JSON (READING_QUALITY_MEASURED, …), in
 * number order, without ts-proto's UNRECOGNIZED (-1): use it for JSON schemas and option lists
 * instead of retyping the names.
 */
export function enumNames(enumObject: Record<string, string | number>): string[] {
  return Object.entries(enumObject)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number' && entry[1] >= 0)
    .sort((a, b) => a[1] - b[1])
    .map(([name]) => name);
}
