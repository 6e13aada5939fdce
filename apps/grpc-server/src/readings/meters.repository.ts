import type { Kysely } from 'kysely';
import type { Database, TimeLabel } from '../db/schema';

export interface MeterRow {
  meter_id: string;
  unit: string;
  interval_seconds: number;
  time_label: TimeLabel;
}

/** Settings of a meter created without explicit ones; the column defaults of the meters table. */
export const METER_DEFAULTS: Omit<MeterRow, 'meter_id'> = Object.freeze({ unit: 'kWh', interval_seconds: 900, time_label: 'end' });

/** The meter, or undefined when no such meter exists. */
export async function findMeter(db: Kysely<Database>, meterId: string): Promise<MeterRow | undefined> {
  return db
    .selectFrom('meters')
    .select(['meter_id', 'unit', 'interval_seconds', 'time_label'])
    .where('meter_id', '=', meterId)
    .executeTakeFirst();
}
