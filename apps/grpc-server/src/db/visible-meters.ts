import { sql, type Expression, type SqlBool } from 'kysely';

/** The meters a caller may see, as SQL can test them: every meter, or exact ids and id prefixes (a key's grants). */
export interface VisibleMeters {
  all: boolean;
  exact: string[];
  prefixes: string[];
}

/** SQL that is true for a meter id the caller may see; meterId is the column or expression holding it. */
export function meterIdVisible(meterId: Expression<string>, visible: VisibleMeters): Expression<SqlBool> {
  if (visible.all) return sql<SqlBool>`true`;
  // LIKE patterns of the prefixes, their own % and _ escaped (meter ids may hold _).
  const patterns = visible.prefixes.map((prefix) => `${prefix.replace(/[\\%_]/g, (char) => `\\${char}`)}%`);
  return sql<SqlBool>`(${meterId} = any(${visible.exact}::text[]) or ${meterId} like any(${patterns}::text[]))`;
}
