import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { StoredQuality } from '../db/schema';
import { stageComparedText, StagingRows, StoredRowsText } from './copy-rows';
import type { StagingCopy } from './staging.repository';

// The re-upload path. A file of one meter that meets the meter's stored readings (a month sent
// again, an export loaded back, a file with a few corrections) would be staged whole and joined
// with the stored rows, only to find nearly every row equal to its stored one. With the meter
// locked, its rows are instead compared with the stored ones while the file is read, a chunk at a
// time: rows on consecutive lines, in time order, are written as the text `COPY … TO STDOUT`
// gives for the stored rows they would equal, and PostgreSQL sends the stored rows of the chunk's
// span in that format. Equal bytes mean the same intervals holding the same values (as stored
// text) and qualities: the chunk is unchanged and stays out of staging, costing no write and no
// join. A chunk that differs in any byte is staged whole and merged as usual (a value written
// another way, 2.50 for a stored 2.5, costs only that). PostgreSQL checks one chunk while the
// server parses the next.
//
// A row out of time order withdraws the comparison: the chunks left out are staged from their
// stored rows (equal to them by the check, lines counted from the chunk's first), so the merge and
// its duplicate check see every row of the file, exactly as if it had been staged from the start.
// So does a file whose chunks mostly differ (a correction), where comparing costs without saving.

/** When a chunk is checked: at maxRows rows, or at the end of a parsed batch from minRows on (smaller ones are staged unchecked). */
export interface ChunkLimits {
  minRows: number;
  maxRows: number;
}

/** A round trip per 512 rows at least; a chunk of 8192 rows is ~150 KB of text held at a time. */
export const CHUNK_LIMITS: ChunkLimits = Object.freeze({ minRows: 512, maxRows: 8192 });
/**
 * Most of the meter's intervals one chunk may span, per row it may hold: a check reads every
 * stored row of the span, so a sparse file (a row a day against a 15-minute meter) must not pull
 * years of them at once (16,384 intervals at the default limits).
 */
const SPANNED_INTERVALS_PER_ROW = 2;

/** Checked chunks from which a file whose chunks mostly differ stops being compared. */
const DIFFERING_CHUNKS_TO_GIVE_UP = 4;

/** The stored rows of a span, as StoredRowsText writes the rows that equal them ($ parameters: none, COPY takes no binds). */
const storedRowsCopy = (meterLiteral: string, firstStartMs: number, lastStartMs: number) =>
  `copy (select (extract(epoch from interval_start) * 1000)::bigint, usage, quality from readings
         where meter_id = ${meterLiteral}
           and interval_start between timestamptz 'epoch' + ${firstStartMs} * interval '1 millisecond'
                                  and timestamptz 'epoch' + ${lastStartMs} * interval '1 millisecond'
         order by interval_start) to stdout`;

interface Chunk {
  firstLine: number;
  firstStartMs: number;
  lastStartMs: number;
  rows: number;
  text: Buffer;
}

type ComparisonState = { kind: 'off' } | { kind: 'on'; meterId: string; lastStartMs: number; mostSpanMs: number };

export class StoredComparison {
  private state: ComparisonState = { kind: 'off' };
  private open: { firstLine: number; firstStartMs: number; lastStartMs: number; rows: number; nextLine: number } | undefined;
  private readonly text = new StoredRowsText();
  private readonly closed: Chunk[] = [];
  private inFlight: { chunk: Chunk; stored: Promise<Buffer> } | undefined;
  private readonly staging = new StagingRows();
  /** Chunks found unchanged, as columns: what a withdrawal stages from the stored rows. */
  private readonly unchanged = { firstStartMs: [] as number[], lastStartMs: [] as number[], firstLine: [] as number[] };
  private checked = 0;
  private differing = 0;
  /** For the upload's log line: whether the path was taken, and kept to the end or withdrawn. */
  outcome: 'unused' | 'kept' | 'withdrawn' = 'unused';
  /** Rows left out of staging as equal to the stored ones (while kept). */
  unchangedRows = 0;
  /** Rows this path sent to staging. */
  stagedRows = 0;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly copy: StagingCopy,
    private readonly limits: ChunkLimits = CHUNK_LIMITS,
  ) {}

  /** Starts comparing the rows of `meterId` (stored, with intervals of intervalSeconds), which this upload holds locked. */
  start(meterId: string, withQuality: boolean, intervalSeconds: number): void {
    this.staging.withQuality = withQuality;
    this.state = { kind: 'on', meterId, lastStartMs: -Infinity, mostSpanMs: SPANNED_INTERVALS_PER_ROW * this.limits.maxRows * intervalSeconds * 1000 };
    this.outcome = 'kept';
  }

  get active(): boolean {
    return this.state.kind === 'on';
  }

  /** Whether a row starting at startMs is compared: the path is on and the row is later than the last. */
  takes(startMs: number): boolean {
    return this.state.kind === 'on' && startMs > this.state.lastStartMs;
  }

  /** Adds a row takes() accepted; a row not on the line after the last closes the chunk before it. */
  add(line: number, startMs: number, usage: string | null, quality: StoredQuality): void {
    const state = this.state as Extract<ComparisonState, { kind: 'on' }>;
    if (this.open !== undefined && (line !== this.open.nextLine || startMs - this.open.firstStartMs >= state.mostSpanMs)) this.close();
    this.open ??= { firstLine: line, firstStartMs: startMs, lastStartMs: startMs, rows: 0, nextLine: line };
    this.text.add(startMs, usage, quality);
    this.open.lastStartMs = state.lastStartMs = startMs;
    this.open.rows += 1;
    this.open.nextLine = line + 1;
    if (this.open.rows >= this.limits.maxRows) this.close();
  }

  /**
   * At the end of a parsed batch: closes a chunk of minRows or more, settles the check in flight
   * and starts the next; the last one started stays in flight while the next batch is parsed.
   */
  async flush(): Promise<void> {
    if (this.state.kind === 'off') return;
    if (this.open !== undefined && this.open.rows >= this.limits.minRows) this.close();
    await this.checkClosed();
    if (this.differing >= DIFFERING_CHUNKS_TO_GIVE_UP && this.differing * 2 > this.checked) await this.withdraw();
  }

  /** Settles every check (for a statement of another part of the upload, and at the end of the file). */
  async finish(): Promise<void> {
    if (this.state.kind === 'off') return;
    this.close();
    await this.checkClosed();
    await this.settle();
    await this.copy.write(this.staging.take());
  }

  /** The connection is needed for another statement: the check in flight is settled. */
  async pause(): Promise<void> {
    await this.settle();
  }

  /**
   * Gives up comparing (a row out of time order, or chunks that mostly differ): the chunks not yet
   * checked are staged as they are, and those found unchanged are staged from their stored rows,
   * with their lines, within the upload's transaction.
   */
  async withdraw(): Promise<void> {
    const state = this.state as Extract<ComparisonState, { kind: 'on' }>;
    this.close();
    await this.settle();
    for (const chunk of this.closed.splice(0)) this.stage(chunk);
    await this.copy.write(this.staging.take());
    await this.copy.pause();
    this.state = { kind: 'off' };
    this.outcome = 'withdrawn';
    if (this.unchanged.firstLine.length === 0) return;
    const { rowCount } = await this.client.query(
      `insert into readings_staging (line, meter_id, start_ms, usage, quality)
       select chunk.first_line + stored.rank - 1, $1, (extract(epoch from stored.interval_start) * 1000)::bigint, stored.usage, stored.quality
       from unnest($2::bigint[], $3::bigint[], $4::int[]) as chunk(first_ms, last_ms, first_line)
       cross join lateral (
         select interval_start, usage, quality, row_number() over (order by interval_start) as rank from readings
         where meter_id = $1
           and interval_start between timestamptz 'epoch' + chunk.first_ms * interval '1 millisecond'
                                  and timestamptz 'epoch' + chunk.last_ms * interval '1 millisecond'
       ) stored`,
      [state.meterId, this.unchanged.firstStartMs, this.unchanged.lastStartMs, this.unchanged.firstLine],
    );
    this.stagedRows += rowCount ?? 0;
    this.unchangedRows = 0;
  }

  /** Waits out a check still in flight after a failure (the connection is then released and discarded). */
  async abort(): Promise<void> {
    await this.inFlight?.stored.catch(() => undefined);
    this.inFlight = undefined;
  }

  /** Ends the open chunk: it waits among the closed ones for its check. */
  private close(): void {
    if (this.open === undefined) return;
    const { firstLine, firstStartMs, lastStartMs, rows } = this.open;
    this.closed.push({ firstLine, firstStartMs, lastStartMs, rows, text: this.text.take()! });
    this.open = undefined;
  }

  /** Checks the closed chunks in turn (a small one is staged unchecked), leaving the last check in flight. */
  private async checkClosed(): Promise<void> {
    for (const chunk of this.closed.splice(0)) {
      if (chunk.rows < this.limits.minRows) {
        this.stage(chunk);
        continue;
      }
      await this.settle();
      await this.copy.write(this.staging.take());
      await this.copy.pause();
      const stored = this.storedText(chunk);
      stored.catch(() => undefined); // surfaced by settle
      this.inFlight = { chunk, stored };
    }
    if (this.inFlight === undefined) await this.copy.write(this.staging.take());
  }

  /** Takes the answer of the check in flight: the chunk is left out when unchanged, staged otherwise. */
  private async settle(): Promise<void> {
    if (this.inFlight === undefined) return;
    const { chunk, stored } = this.inFlight;
    const text = await stored;
    this.inFlight = undefined;
    this.checked += 1;
    if (text.equals(chunk.text)) {
      this.unchanged.firstStartMs.push(chunk.firstStartMs);
      this.unchanged.lastStartMs.push(chunk.lastStartMs);
      this.unchanged.firstLine.push(chunk.firstLine);
      this.unchangedRows += chunk.rows;
    } else {
      this.differing += 1;
      this.stage(chunk);
    }
  }

  private stage(chunk: Chunk): void {
    const state = this.state as Extract<ComparisonState, { kind: 'on' }>;
    stageComparedText(this.staging, state.meterId, chunk.firstLine, chunk.text);
    this.stagedRows += chunk.rows;
  }

  /** The stored rows of a chunk's span, as COPY TO writes them (collected while the next batch is parsed). */
  private async storedText(chunk: Chunk): Promise<Buffer> {
    const state = this.state as Extract<ComparisonState, { kind: 'on' }>;
    const statement = storedRowsCopy(this.client.escapeLiteral(state.meterId), chunk.firstStartMs, chunk.lastStartMs);
    const parts: Buffer[] = [];
    for await (const part of this.client.query(copyTo(statement))) parts.push(part as Buffer);
    return Buffer.concat(parts);
  }
}
