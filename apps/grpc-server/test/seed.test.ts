import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readSampleCsv, SAMPLE_CSV_PATH } from '@meterusage/testing';
import { seedFromCsv, SeedError } from '../src/ingest/seed';
import { openMigratedDatabase, plainStorageDeps, type MigratedDatabase } from './support/database';

const countReadings = async (handle: MigratedDatabase, meterId: string) =>
  Number((await handle.database.pool.query('select count(*) from readings where meter_id = $1', [meterId])).rows[0].count);

describe('seedFromCsv against a real PostgreSQL', () => {
  let handle: MigratedDatabase;
  const scratch = mkdtempSync(path.join(tmpdir(), 'meterusage-seed-'));

  beforeAll(async () => {
    handle = await openMigratedDatabase('seed');
  }, 60_000);
  afterAll(() => handle.close());

  it('loads the 2,975 sample readings with exactly one missing, values stored exactly', async () => {
    const result = await seedFromCsv(handle.database, { csvPath: SAMPLE_CSV_PATH, meterId: 'sample', timeZone: 'UTC' }, plainStorageDeps);
    expect(result).toMatchObject({ committed: true, accepted: 2975, inserted: 2975, updated: 0, unchanged: 0, skipped: 0, rejected: 0, errors: [] });

    const { rows } = await handle.database.pool.query(
      `select to_char((interval_start + interval '15 minutes') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as time, usage::text
       from readings where meter_id = 'sample' order by interval_start`,
    );
    const expected = readSampleCsv();
    expect(rows).toHaveLength(expected.length);
    expect(rows.map((row: { time: string; usage: string | null }) => ({ time: row.time, meterusage: row.usage === null ? null : Number(row.usage) }))).toEqual(
      expected,
    );
    expect(rows.filter((row: { usage: string | null }) => row.usage === null)).toEqual([{ time: '2019-01-17T02:45:00Z', usage: null }]);
  });

  it('is idempotent: seeding again inserts nothing and keeps later corrections', async () => {
    await handle.database.pool.query(`update readings set usage = 99.5 where meter_id = 'sample' and interval_start = '2019-01-01T00:00:00Z'`);
    const again = await seedFromCsv(handle.database, { csvPath: SAMPLE_CSV_PATH, meterId: 'sample', timeZone: 'UTC' }, plainStorageDeps);
    // The corrected interval differs from the file: the seed skips it rather than undoing the correction.
    expect(again).toMatchObject({ committed: true, accepted: 2975, inserted: 0, unchanged: 2974, skipped: 1 });
    expect(await countReadings(handle, 'sample')).toBe(2975);
    const { rows } = await handle.database.pool.query(`select usage::text from readings where meter_id = 'sample' and interval_start = '2019-01-01T00:00:00Z'`);
    expect(rows).toEqual([{ usage: '99.5' }]);
  });

  it('stops on a malformed row, names its line, and writes nothing (not even the meter)', async () => {
    const csvPath = path.join(scratch, 'bad.csv');
    writeFileSync(csvPath, 'time,meterusage\n2019-01-01 00:15:00,1\n2019-01-01 00:30:00,2\n2019-01-01 00:45:00,lots\n');
    const seeding = seedFromCsv(handle.database, { csvPath, meterId: 'broken', timeZone: 'UTC' }, plainStorageDeps);
    await expect(seeding).rejects.toThrow(SeedError);
    await expect(seeding).rejects.toMatchObject({
      rowErrors: [{ line: 4, field: 'meterusage', reason: '"lots" is not a number (a missing reading is written NaN or left empty)' }],
    });
    await expect(seeding).rejects.toThrow(/line 4 \(meterusage\)/);
    expect(await countReadings(handle, 'broken')).toBe(0);
    const meters = await handle.database.pool.query(`select 1 from meters where meter_id = 'broken'`);
    expect(meters.rowCount).toBe(0);
  });

  it('says which file could not be read', async () => {
    const csvPath = path.join(scratch, 'absent.csv');
    await expect(seedFromCsv(handle.database, { csvPath, meterId: 'x', timeZone: 'UTC' }, plainStorageDeps)).rejects.toThrow(
      `cannot read CSV_PATH ${csvPath}: ENOENT`,
    );
  });
});
