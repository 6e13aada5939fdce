import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { Database, MetersTable, TimeLabel } from '../db/schema';
import { meterIdVisible, type VisibleMeters } from '../db/visible-meters';
import { readingsAsOf } from '../db/readings-as-of';

export interface MeterRow {
  meter_id: string;
  unit: string;
  interval_seconds: number;
  time_label: TimeLabel;
  /**
   * The meter's data version (migration 0004; bigint, as pg returns it: a string), read with the
   * meter, before a handler reads its data: what an answer built after it may be kept under.
   */
  data_version: string;
}

export interface MeterWithSpanRow extends Omit<MeterRow, 'data_version'> {
  /** Start of the earliest stored interval, epoch ms; null without readings. */
  first_start_ms: number | null;
  /** Start of the latest stored interval, epoch ms; null without readings. */
  last_start_ms: number | null;
}

const EPOCH_MS = (column: string) => sql<number | null>`(extract(epoch from ${sql.ref(column)}) * 1000)::float8`;

/** The meter, or undefined when no such meter exists. */
export async function findMeter(db: Kysely<Database>, meterId: string): Promise<MeterRow | undefined> {
  return db
    .selectFrom('meters')
    .select(['meter_id', 'unit', 'interval_seconds', 'time_label', 'data_version'])
    .where('meter_id', '=', meterId)
    .executeTakeFirst();
}

export interface MeterVersionRow {
  meter_id: string;
  /** bigint, as pg returns it: a string. */
  data_version: string;
}

/** The meter's data version (see migration 0004), or undefined when no such meter exists. */
export async function findDataVersion(db: Kysely<Database>, meterId: string): Promise<MeterVersionRow | undefined> {
  return db.selectFrom('meters').select(['meter_id', 'data_version']).where('meter_id', '=', meterId).executeTakeFirst();
}

/** Every visible meter with the span of its stored readings; first/last come from the primary key, not a scan. */
export async function listMetersWithSpan(db: Kysely<Database>, visible: VisibleMeters): Promise<MeterWithSpanRow[]> {
  const edge = (eb: ExpressionBuilder<Database & { m: MetersTable }, 'm'>, order: 'asc' | 'desc') =>
    eb
      .selectFrom('readings as r')
      .select(EPOCH_MS('r.interval_start').as('ms'))
      .whereRef('r.meter_id', '=', 'm.meter_id')
      .orderBy('r.interval_start', order)
      .limit(1);
  return (
    db
      .selectFrom('meters as m')
      .select(['m.meter_id', 'm.unit', 'm.interval_seconds', 'm.time_label'])
      .select((eb) => [edge(eb, 'asc').as('first_start_ms'), edge(eb, 'desc').as('last_start_ms')])
      // Filtered before the spans are looked up: a narrow key costs its own meters, not the fleet's.
      .where(meterIdVisible(sql.ref<string>('m.meter_id'), visible))
      .orderBy('m.meter_id')
      .execute()
  );
}

/** Start of the earliest and latest stored interval of one meter (epoch ms), or undefined without readings. */
export async function findDataSpan(db: Kysely<Database>, meterId: string, asOfMs?: number): Promise<{ firstStartMs: number; lastStartMs: number } | undefined> {
  if (asOfMs !== undefined) return findDataSpanAsOf(db, meterId, asOfMs);
  // The first and the last start, each one index probe.
  const edge = (eb: ExpressionBuilder<Database, never>, direction: 'asc' | 'desc') =>
    eb.selectFrom('readings').select(EPOCH_MS('interval_start').as('ms')).where('meter_id', '=', meterId).orderBy('interval_start', direction).limit(1);
  const row = await db.selectNoFrom((eb) => [edge(eb, 'asc').as('first'), edge(eb, 'desc').as('last')]).executeTakeFirstOrThrow();
  if (row.first === null || row.last === null) return undefined;
  return { firstStartMs: row.first, lastStartMs: row.last };
}

/** The span of a meter's readings as they stood at asOfMs (readings-as-of.ts). */
async function findDataSpanAsOf(db: Kysely<Database>, meterId: string, asOfMs: number): Promise<{ firstStartMs: number; lastStartMs: number } | undefined> {
  const { rows } = await sql<{ first: number | null; last: number | null }>`
    select (extract(epoch from min(interval_start)) * 1000)::float8 as first, (extract(epoch from max(interval_start)) * 1000)::float8 as last
    from ${readingsAsOf(asOfMs)} as readings where meter_id = ${meterId}`.execute(db);
  const row = rows[0];
  if (row === undefined || row.first === null || row.last === null) return undefined;
  return { firstStartMs: row.first, lastStartMs: row.last };
}
