import { Client } from 'pg';

const QUARTER_HOUR_MS = 900_000;
/** Rows one INSERT statement generates at most (several meters per statement when they fit). */
const ROWS_PER_STATEMENT = 500_000;

export interface SyntheticDataOptions {
  /** Meters with a regular series, named syn-0001, syn-0002, … */
  meters: number;
  /** Whole calendar years (UTC) of 15-minute readings per meter, from startYear. */
  years: number;
  /** First year of the regular series; default 2019, the sample's year. */
  startYear?: number;
  /** Readings of one extra meter, syn-export, from 1990-01-01 on and without holes; default 0 (no such meter). */
  exportReadings?: number;
  /** Share of intervals stored with a NULL usage (a NaN in the source); default 0.001. */
  missingRate?: number;
  /** Share of intervals of the regular series with no row at all; default 0.0005. */
  holeRate?: number;
  /** random() seed, so the same options give the same data; default 0.42. */
  seed?: number;
}

export interface SyntheticDataCounts {
  meterIds: string[];
  /** The export meter (when exportReadings > 0): its id and its first interval start, epoch ms. */
  exportMeter: { meterId: string; firstStartMs: number } | undefined;
  /** Rows stored (the export meter's included). */
  readings: number;
  /** Rows stored with a NULL usage. */
  missing: number;
  /** Intervals of the regular series left out (holes). */
  holes: number;
  /** Wall time of the INSERTs and of the VACUUM (ANALYZE) after them, in ms. */
  insertMs: number;
  analyzeMs: number;
}

/**
 * Fills a migrated meterusage database with synthetic 15-minute readings generated inside
 * PostgreSQL (generate_series), for benchmarks and load tests: millions of rows in seconds.
 *
 * Values are kWh per quarter-hour with a daily shape (night low, morning and evening peaks at
 * about UTC+1), 15 % more at weekends, 25 % more in winter, a per-meter scale and ±20 % noise.
 * Rows are written in primary-key order, one meter after the other, as per-meter CSV ingest does.
 * One transaction: the readings → meters foreign key is dropped during the load and re-created
 * (validated) at its end, as PostgreSQL's "Populating a Database" advises; that halves the load
 * time. Ends with VACUUM (ANALYZE), so statistics and the visibility map are those of a settled table.
 */
export async function loadSyntheticReadings(databaseUrl: string, options: SyntheticDataOptions): Promise<SyntheticDataCounts> {
  const { meters, years, startYear = 2019, exportReadings = 0, missingRate = 0.001, holeRate = 0.0005, seed = 0.42 } = options;
  const meterIds = Array.from({ length: meters }, (_, index) => `syn-${String(index + 1).padStart(4, '0')}`);
  const exportMeter = exportReadings > 0 ? { meterId: 'syn-export', firstStartMs: Date.UTC(1990, 0, 1) } : undefined;
  const seriesStartMs = Date.UTC(startYear, 0, 1);
  const slotsPerMeter = (Date.UTC(startYear + years, 0, 1) - seriesStartMs) / QUARTER_HOUR_MS;

  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const startedAt = performance.now();
    await client.query('begin');
    await client.query('select setseed($1)', [seed]);
    await client.query('insert into meters (meter_id) select unnest($1::text[])', [[...meterIds, ...(exportMeter ? [exportMeter.meterId] : [])]]);
    const { rows: foreignKeys } = await client.query<{ drop_sql: string; add_sql: string }>(
      `select format('alter table readings drop constraint %I', conname) as drop_sql,
              format('alter table readings add constraint %I %s', conname, pg_get_constraintdef(oid)) as add_sql
       from pg_constraint where conrelid = 'readings'::regclass and contype = 'f'`,
    );
    for (const foreignKey of foreignKeys) await client.query(foreignKey.drop_sql);

    const totals = { readings: 0, missing: 0 };
    const add = (counts: { readings: number; missing: number }) => {
      totals.readings += counts.readings;
      totals.missing += counts.missing;
    };
    const metersPerStatement = Math.max(1, Math.floor(ROWS_PER_STATEMENT / slotsPerMeter));
    for (let first = 0; first < meterIds.length; first += metersPerStatement) {
      const batch = meterIds.slice(first, first + metersPerStatement);
      // Households of a few sizes: the scale repeats every 7 meters.
      const scales = batch.map((_, index) => 0.6 + ((first + index) % 7) * 0.1);
      add(await insertSeries(client, { meterIds: batch, scales, startMs: seriesStartMs, slots: slotsPerMeter, missingRate, holeRate }));
    }
    if (exportMeter !== undefined) {
      const { meterId, firstStartMs } = exportMeter;
      add(await insertSeries(client, { meterIds: [meterId], scales: [1], startMs: firstStartMs, slots: exportReadings, missingRate, holeRate: 0 }));
    }

    for (const foreignKey of foreignKeys) await client.query(foreignKey.add_sql);
    await client.query('commit');
    const insertMs = performance.now() - startedAt;
    await client.query('vacuum (analyze) meters, readings');
    const analyzeMs = performance.now() - startedAt - insertMs;
    const holes = meters * slotsPerMeter + exportReadings - totals.readings;
    return { meterIds, exportMeter, ...totals, holes, insertMs, analyzeMs };
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

interface SeriesSpec {
  meterIds: string[];
  scales: number[];
  /** Interval start of the first slot; a UTC midnight (the shape assumes one). */
  startMs: number;
  slots: number;
  missingRate: number;
  holeRate: number;
}

/** One INSERT … SELECT of `slots` quarter-hours for each meter; returns rows stored and NULLs among them. */
async function insertSeries(client: Client, spec: SeriesSpec): Promise<{ readings: number; missing: number }> {
  // Day of the week of the first slot, Monday = 0, so slot i's local day is (i + 4) / 96 days later.
  const firstWeekday = (new Date(spec.startMs).getUTCDay() + 6) % 7;
  const { rows } = await client.query<{ readings: number; missing: number }>(
    `with slot as materialized (
       select $1::timestamptz + i * interval '15 minutes' as interval_start,
              (0.2 + 0.15 * exp(-power(local_hour - 8, 2) / 4) + 0.3 * exp(-power(local_hour - 19, 2) / 6))
                * (case when weekday >= 5 then 1.15 else 1 end)
                * (1 + 0.25 * cos(2 * pi() * i / (96 * 365.25))) as shape
       from generate_series(0, $2::int - 1) as i,
            lateral (select ((i + 4) % 96) / 4.0::float8 as local_hour, ((i + 4) / 96 + $3::int) % 7 as weekday) as local_time
     ),
     inserted as (
       insert into readings (meter_id, interval_start, usage)
       select m.meter_id, s.interval_start,
              case when random() < $6 then null else round((m.scale * s.shape * (0.8 + 0.4 * random()))::numeric, 3) end
       from unnest($4::text[], $5::float8[]) as m(meter_id, scale) cross join slot s
       where random() >= $7
       order by m.meter_id, s.interval_start
       returning usage is null as missing
     )
     select count(*)::int as readings, (count(*) filter (where missing))::int as missing from inserted`,
    [new Date(spec.startMs).toISOString(), spec.slots, firstWeekday, spec.meterIds, spec.scales, spec.missingRate, spec.holeRate],
  );
  return rows[0]!;
}
