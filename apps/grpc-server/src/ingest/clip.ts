/** A field quoted in an error message, cut to 40 characters: a message never carries a whole row. */
export function clip(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}
