import { CompiledQuery, sql, type Kysely } from 'kysely';
import type pg from 'pg';
import pino from 'pino';
import { migrateToLatest } from '../src/db/migrate';
import { readingsAsOf } from '../src/db/readings-as-of';
import type { Database } from '../src/db/schema';
import { applyRevert, planRevert } from '../src/history/revert.repository';
import { writeEstimates } from '../src/history/estimate.repository';
import { createStaging, mergeStaging } from '../src/ingest/staging.repository';
import { openUploadRecord } from '../src/uploads/uploads.repository';
import { openTimescaleDatabase } from './support/timescale-database';

// The provenance SQL (merge with history, revert, estimates, as_of) on TimescaleDB 2.23 (PGlite in
// WASM) with every chunk of readings and readings_history compressed first: the writes of a
// correction and a revert of old data land in compressed chunks, as they will in production.

const silentLogger = pino({ level: 'silent' });
const STEP_MS = 900_000;
const BASE_MS = Date.UTC(2018, 3, 1);

/** The one PGlite session as the pg client the repositories take (query text and parameters). */
function asClient(db: Kysely<Database>): pg.PoolClient {
  return {
    query: async (text: string, params: unknown[] = []) => {
      const result = await db.executeQuery(CompiledQuery.raw(text, params));
      return { rows: result.rows, rowCount: Number(result.numAffectedRows ?? BigInt(result.rows.length)) };
    },
  } as unknown as pg.PoolClient;
}

describe('provenance on TimescaleDB with compressed chunks (PGlite in WASM)', () => {
  let db: Kysely<Database>;
  let client: pg.PoolClient;

  beforeAll(async () => {
    db = await openTimescaleDatabase();
    await migrateToLatest(db, silentLogger);
    client = asClient(db);
  }, 60_000);
  afterAll(async () => {
    await db?.destroy();
  });

  const record = (source: string) =>
    openUploadRecord(client, {
      receivedAt: new Date(),
      source,
      caller: 'test',
      fileName: '',
      sha256: '0'.repeat(64),
      options: { meterId: 'ts-prov', unit: '', timeZone: 'UTC', onConflict: 'update', mode: 'atomic', timeLabel: '', sourceName: source },
      meterIds: ['ts-prov'],
    }).then(String);
  const values = async (asOf?: Date) => {
    const source = asOf === undefined ? sql`readings` : readingsAsOf(asOf.getTime());
    const { rows } = await sql<{ usage: string | null; quality: string }>`
      select usage::text as usage, quality from ${source} as readings where meter_id = 'ts-prov' order by interval_start`.execute(db);
    return rows.map((row) => [row.usage === null ? null : Number(row.usage), row.quality]);
  };
  /** Compresses every chunk of both tables; returns the tables that have chunks, all of them compressed. */
  const compressEverything = async () => {
    await sql`select compress_chunk(c, if_not_compressed => true) from show_chunks('readings') c
              union all select compress_chunk(c, if_not_compressed => true) from show_chunks('readings_history') c`.execute(db);
    const { rows } = await sql<{ hypertable_name: string; chunks: number; compressed: number }>`
      select hypertable_name, count(*)::int as chunks, (count(*) filter (where is_compressed))::int as compressed
      from timescaledb_information.chunks where hypertable_name in ('readings', 'readings_history')
      group by hypertable_name order by hypertable_name`.execute(db);
    for (const row of rows) expect(row.compressed).toBe(row.chunks);
    return rows.map((row) => row.hypertable_name);
  };
  const commitTime = async (uploadId: string) =>
    (await sql<{ at: Date }>`select committed_at as at from uploads where upload_id = ${uploadId}::bigint`.execute(db)).rows[0]!.at;
  const inTransaction = async <T>(work: () => Promise<T>): Promise<T> => {
    await client.query('begin');
    try {
      const result = await work();
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback');
      throw error;
    }
  };

  it('corrects, reverts and estimates over compressed chunks, and reads every earlier state back as of its time', async () => {
    await db.insertInto('meters').values({ meter_id: 'ts-prov' }).execute();
    const first = await inTransaction(async () => {
      const id = await record('first');
      await client.query(
        `insert into readings (meter_id, interval_start, usage, upload_id)
         select 'ts-prov', $1::timestamptz + n * interval '15 minutes', case when n = 2 then null else 1 end, $2::bigint from generate_series(0, 3) n`,
        [new Date(BASE_MS).toISOString(), id],
      );
      return id;
    });
    expect(await compressEverything()).toEqual(['readings']);

    // A correction of the first two intervals through the upload's own merge, into compressed chunks.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const correction = await inTransaction(async () => {
      const id = await record('correction');
      await createStaging(client);
      await client.query(
        `insert into readings_staging (line, meter_id, start_ms, usage, quality) values (2, 'ts-prov', $1, 5, 'edited'), (3, 'ts-prov', $2, 1, 'actual')`,
        [BASE_MS, BASE_MS + STEP_MS],
      );
      const counts = await mergeStaging(client, 'update', [{ meterId: 'ts-prov', firstStartMs: BASE_MS, lastStartMs: BASE_MS + STEP_MS }], {
        uploadId: id,
        stagedAllActual: false,
      });
      expect(counts).toEqual([{ meterId: 'ts-prov', inserted: 0, updated: 1, skipped: 0 }]);
      return id;
    });
    expect(await compressEverything()).toEqual(['readings', 'readings_history']);
    expect(await values()).toEqual([
      [5, 'edited'],
      [1, 'actual'],
      [null, 'actual'],
      [1, 'actual'],
    ]);

    await new Promise((resolve) => setTimeout(resolve, 5));
    const estimate = await inTransaction(async () => {
      const id = await record('estimate');
      expect(await writeEstimates(client, 'ts-prov', id, [{ startMs: BASE_MS + 2 * STEP_MS, usage: '1' }])).toEqual({ inserted: 0, updated: 1 });
      return id;
    });
    await compressEverything();

    await new Promise((resolve) => setTimeout(resolve, 5));
    const revert = await inTransaction(async () => {
      const id = await record('revert');
      const counts = await planRevert(client, { uploadId: correction, meterIds: ['ts-prov'], firstStartMs: BASE_MS, lastEndMs: BASE_MS + 2 * STEP_MS });
      expect(counts).toEqual({ restore: 1, remove: 0, unchanged: 0, conflict: 0 });
      expect(await applyRevert(client, id, false)).toEqual(['ts-prov']);
      return id;
    });

    expect(await values()).toEqual([
      [1, 'actual'],
      [1, 'actual'],
      [1, 'estimated'],
      [1, 'actual'],
    ]);
    expect(await values(await commitTime(first))).toEqual([
      [1, 'actual'],
      [1, 'actual'],
      [null, 'actual'],
      [1, 'actual'],
    ]);
    expect((await values(await commitTime(correction)))[0]).toEqual([5, 'edited']);
    expect((await values(await commitTime(estimate)))[2]).toEqual([1, 'estimated']);
    expect(await values(new Date((await commitTime(first)).getTime() - 1))).toEqual([]);
    const { rows } = await sql<{ count: number }>`select count(*)::int as count from readings_history where replaced_by = ${revert}::bigint`.execute(db);
    expect(rows[0]!.count).toBe(1);
  });
});
