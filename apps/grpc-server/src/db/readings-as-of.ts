import { sql, type RawBuilder } from 'kysely';

// The readings of any past instant, for `as_of` reads. A version of an interval was its value from
// its upload's committed_at (valid_from in history) until the committed_at of the upload that
// replaced or removed it (replaced_at); current readings have no end. So the readings as of T are
// the current rows whose upload committed at or before T (rows stored before uploads were
// recorded count as always there), and the history rows valid at T. Both halves are plain scans
// the outer query's meter and time conditions are pushed into (UNION ALL of simple selects), so
// they read the primary key and the history's (meter_id, interval_start, replaced_at) index.

/**
 * A subquery with the columns of readings (meter_id, interval_start, usage, quality, upload_id)
 * holding, for each interval, the version valid at asOfMs; use it where a query reads `readings`.
 */
export function readingsAsOf(asOfMs: number): RawBuilder<unknown> {
  // A literal rather than a bind parameter: the export reads through COPY, which takes no binds.
  const asOf = sql.lit(new Date(asOfMs).toISOString());
  return sql`(
    select r.meter_id, r.interval_start, r.usage, r.quality, r.upload_id from readings r
    where r.upload_id is null or r.upload_id not in (select u.upload_id from uploads u where u.committed_at > ${asOf}::timestamptz)
    union all
    select h.meter_id, h.interval_start, h.usage, h.quality, h.upload_id from readings_history h
    where h.valid_from <= ${asOf}::timestamptz and h.replaced_at > ${asOf}::timestamptz
  )`;
}

/** The table or subquery a read of `readings` takes its rows from: now (undefined) or as of an instant. */
export function readingsAt(asOfMs: number | undefined): RawBuilder<unknown> {
  return asOfMs === undefined ? sql`readings` : readingsAsOf(asOfMs);
}
