import type pg from 'pg';
import type { StoredQuality } from '../db/schema';
import { CopyIn } from './copy-in';
import { ReadingRows } from './copy-rows';

// The append-only fast path of an upload. A file of one meter whose rows start after the meter's
// last stored reading (a new meter, or the next month of an existing one: most uploads) needs no
// staging table: with the meter locked, its rows are COPYed straight into readings while the file
// is read, so PostgreSQL writes them as the server parses (two cores busy, not one after the
// other) and nothing is written twice. It holds while the rows come in strictly increasing time:
// such rows cannot repeat one another or meet a stored reading, so there is nothing to merge and
// nothing to keep in history. The first row that breaks the order withdraws the path: the rows
// already written move to staging with their line numbers and leave readings, and the upload goes
// on as a merge, exactly as if it had been staged from the start.

/** Where a single-meter upload's rows go: undecided until its first accepted row, then direct or staged. */
type DirectState = { kind: 'undecided' } | { kind: 'off' } | { kind: 'on'; meterId: string; afterMs: number | null; lastStartMs: number };

/** What the direct path needs from the upload around it. */
export interface DirectAppendHooks {
  /** Creates (if new) and locks the meter; false when another upload holds it (never waits for one that is being read). */
  lockMeter(meterId: string): Promise<boolean>;
  /** Opens the upload's record (the meter locked): its id goes on every row. */
  openRecord(): Promise<string>;
}

export class DirectAppend extends CopyIn {
  private state: DirectState = { kind: 'undecided' };
  private rows: ReadingRows | undefined;
  private withQuality = false;
  private written = 0;
  /**
   * Line of each written row, by its rank (its place in time order), as runs: from rank
   * runStarts[i] on, line = rank + runOffsets[i]. Lines grow by at least one per row, so offsets
   * never decrease and a file without rejected rows is one run.
   */
  private readonly runStarts: number[] = [];
  private readonly runOffsets: number[] = [];
  /** The upload record's id, once the path opened it. */
  uploadId: string | undefined;
  /** For the upload's log line: whether the path was taken, and kept to the end or withdrawn. */
  outcome: 'unused' | 'kept' | 'withdrawn' = 'unused';

  protected statement(): string {
    return `copy readings (meter_id, interval_start, usage${this.withQuality ? ', quality' : ''}, upload_id) from stdin`;
  }

  /** Whether the first accepted row still has to decide the path. */
  get undecided(): boolean {
    return this.state.kind === 'undecided';
  }

  /** Whether rows are being written straight into readings. */
  get active(): boolean {
    return this.state.kind === 'on';
  }

  /** Whether a row starting at startMs goes straight into readings: the path is on and the row is later than the last. */
  takes(startMs: number): boolean {
    return this.state.kind === 'on' && startMs > this.state.lastStartMs;
  }

  /**
   * Decides the path at the upload's first accepted row of a file without a meter column: the
   * meter is locked now unless another upload holds it ('staged' then, as for a file with a meter
   * column); the direct path is on when the row starts after the meter's last stored reading, and
   * 'meets-stored' says the meter stays locked for a row that does not (stored-comparison.ts).
   */
  async decide(
    first: { meterId: string; startMs: number },
    file: { hasMeterColumn: boolean; hasQualityColumn: boolean },
    hooks: DirectAppendHooks,
  ): Promise<'direct' | 'meets-stored' | 'staged'> {
    this.state = { kind: 'off' };
    if (file.hasMeterColumn) return 'staged';
    if (!(await hooks.lockMeter(first.meterId))) return 'staged';
    const afterMs = await lastStoredStartMs(this.client, first.meterId);
    if (!startsAfterStored(first.startMs, afterMs)) return 'meets-stored';
    this.uploadId = await hooks.openRecord();
    this.withQuality = file.hasQualityColumn;
    this.rows = new ReadingRows(file.hasQualityColumn, this.uploadId);
    this.state = { kind: 'on', meterId: first.meterId, afterMs, lastStartMs: -Infinity };
    this.outcome = 'kept';
    return 'direct';
  }

  /** Adds a row takes() accepted. */
  add(line: number, startMs: number, usage: string | null, quality: StoredQuality): void {
    const state = this.state as Extract<DirectState, { kind: 'on' }>;
    const offset = line - this.written;
    if (this.runOffsets.length === 0 || this.runOffsets[this.runOffsets.length - 1] !== offset) {
      this.runStarts.push(this.written);
      this.runOffsets.push(offset);
    }
    this.rows!.add(state.meterId, startMs, usage, quality);
    state.lastStartMs = startMs;
    this.written += 1;
  }

  /** Sends the rows added since the last flush. */
  async flush(): Promise<void> {
    if (this.rows !== undefined) await this.write(this.rows.take());
  }

  /** Sends the last rows and ends the COPY. */
  async finish(): Promise<void> {
    await this.flush();
    await this.pause();
  }

  /**
   * Gives up the path at a row out of time order: the rows written move to staging (their lines
   * from the runs) and are deleted from readings, within the upload's transaction, so the merge
   * that follows sees them as staged rows and the readings as they were.
   */
  async withdraw(): Promise<void> {
    const state = this.state as Extract<DirectState, { kind: 'on' }>;
    await this.finish();
    this.state = { kind: 'off' };
    this.outcome = 'withdrawn';
    const written = `select meter_id, interval_start, usage, quality, row_number() over (order by interval_start) - 1 as rank
                     from readings where meter_id = $1 and upload_id = $2 and interval_start > ${AFTER}`;
    await this.client.query(
      `with lined as (
         select moved.*, max(run.offset_from) over (order by moved.rank) as line_offset
         from (${written}) moved
         left join unnest($4::bigint[], $5::bigint[]) as run(rank_from, offset_from) on run.rank_from = moved.rank
       )
       insert into readings_staging (line, meter_id, start_ms, usage, quality)
       select rank + line_offset, meter_id, (extract(epoch from interval_start) * 1000)::bigint, usage, quality from lined`,
      [state.meterId, this.uploadId, state.afterMs, this.runStarts, this.runOffsets],
    );
    await this.client.query(`delete from readings where meter_id = $1 and upload_id = $2 and interval_start > ${AFTER}`, [
      state.meterId,
      this.uploadId,
      state.afterMs,
    ]);
    this.written = 0;
  }
}

/** The rows written: those after the meter's last stored start before the upload ($3, NULL: none). */
const AFTER = `coalesce(timestamptz 'epoch' + $3::bigint * interval '1 millisecond', '-infinity')`;

function startsAfterStored(startMs: number, lastStoredMs: number | null): boolean {
  return lastStoredMs === null || startMs > lastStoredMs;
}

/** The start of a meter's last stored reading (epoch ms), null when it has none. */
async function lastStoredStartMs(client: pg.PoolClient, meterId: string): Promise<number | null> {
  const { rows } = await client.query<{ last_ms: string | null }>(
    `select (extract(epoch from max(interval_start)) * 1000)::bigint as last_ms from readings where meter_id = $1`,
    [meterId],
  );
  return rows[0]!.last_ms === null ? null : Number(rows[0]!.last_ms);
}
