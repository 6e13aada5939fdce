import { METER_DEFAULTS, METER_ID_PATTERN } from '@meterusage/meters';
import { openMigratedDatabase, type MigratedDatabase } from './support/database';

// Migration 0001 writes the meter id pattern and the meters' column defaults out (migrations are
// frozen); this holds those copies to @meterusage/meters, so the two cannot drift apart unseen.
describe('meters table against the meter rules', () => {
  let handle: MigratedDatabase;
  beforeAll(async () => {
    handle = await openMigratedDatabase('meter_rules_schema');
  }, 60_000);
  afterAll(async () => {
    await handle.close();
  });

  it('checks meter ids with METER_ID_PATTERN and defaults new meters to METER_DEFAULTS', async () => {
    const { rows: checks } = await handle.database.pool.query<{ definition: string }>(
      `select pg_get_constraintdef(oid) as definition from pg_constraint where conrelid = 'meters'::regclass and contype = 'c'`,
    );
    expect(checks.map((row) => row.definition)).toContainEqual(`CHECK ((meter_id ~ '${METER_ID_PATTERN.source}'::text))`);
    await handle.database.pool.query(`insert into meters (meter_id) values ('defaults')`);
    const { rows } = await handle.database.pool.query(`select unit, interval_seconds, time_label from meters where meter_id = 'defaults'`);
    expect(rows).toEqual([{ unit: METER_DEFAULTS.unit, interval_seconds: METER_DEFAULTS.intervalSeconds, time_label: METER_DEFAULTS.timeLabel }]);
  });
});
