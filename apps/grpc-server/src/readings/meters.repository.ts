import type { Kysely } from 'kysely';
import type { Database, TimeLabel } from '../db/schema';

export interface MeterRow {
  meter_id: string;
  unit: string;
  interval_seconds: number;
  time_label: TimeLabel;
}

/** The meter, or undefined when no such meter exists. */
export async function findMeter(db: Kysely<Database>, meterId: string): Promise<MeterRow | undefined> {
  return db
    .selectFrom('meters')
    .select(['meter_id', 'unit', 'interval_seconds', 'time_label'])
    .where('meter_id', '=', meterId)
    .executeTakeFirst();
}

/** The meter, created with the default unit and interval (kWh, 15 minutes, end-labelled) when missing. */
export async function ensureMeter(db: Kysely<Database>, meterId: string): Promise<MeterRow> {
  await db.insertInto('meters').values({ meter_id: meterId }).onConflict((oc) => oc.column('meter_id').doNothing()).execute();
  const meter = await findMeter(db, meterId);
  if (meter === undefined) throw new Error(`meter ${meterId} vanished right after it was created`);
  return meter;
}
