// An export as the lines of a text format (CSV or NDJSON), written in grpc-server straight from
// PostgreSQL's binary COPY: the gateway hands the bytes on, and no reading becomes a row object, a
// protobuf message and a decoded object on the way (the 1M-reading export ran at a sixth of the
// rate pg fetches the rows; the two apps' per-reading work was nearly all of the difference).
import {
  ExportFormat,
  exportLineWriter,
  exportMeterBytes,
  slicer,
  TextSink,
  type ExportLineFormat,
  type ExportLineWriter,
  type ReadingFields,
} from '@meterusage/contracts';
import { sql } from 'kysely';
import { to as copyTo } from 'pg-copy-streams';
import type { DatabaseHandle } from '../db/connection';
import { instantText } from '../db/instant-text';
import { readingsAt } from '../db/readings-as-of';
import { settlesWithin } from '../db/settles-within';
import type { MeterRow } from '../meters/meters.repository';
import { BinaryCopyRows, type BinaryReadingRow } from './binary-copy-rows';
import { readingQualityOf } from './readings.mapper';

export interface ExportLineLimits {
  /**
   * Rows per COPY. Each COPY is read whole before its lines are sent, so a slow client never holds
   * a statement open (DB_STATEMENT_TIMEOUT_MS still bounds each one); it holds the snapshot and
   * its connection for as long as it reads, as a cursor did.
   */
  rowsPerCopy: number;
  /** Bytes of lines per message, about. */
  messageBytes: number;
}

/** About 2-3 MB of lines held at a time; messages well under gRPC's 4 MiB default limit, whatever the meter id. */
export const EXPORT_LINE_LIMITS: ExportLineLimits = Object.freeze({ rowsPerCopy: 16_384, messageBytes: 256 * 1024 });

/**
 * The stored readings of a range, oldest first, as messages' worth of lines (each in the chunks it
 * was written in, so the message is assembled with one copy). All COPYs read one
 * snapshot (a REPEATABLE READ transaction), like a cursor. Leaving between batches rolls back and
 * keeps the connection; a failure inside a COPY discards it, the sure way to stop one PostgreSQL is
 * still sending.
 */
export async function* exportLineBatches(
  database: DatabaseHandle,
  meter: MeterRow,
  range: { startMs: number; endMs: number },
  format: ExportLineFormat,
  asOfMs: number | undefined,
  limits: ExportLineLimits = EXPORT_LINE_LIMITS,
): AsyncGenerator<Buffer[]> {
  const client = await database.pool.connect();
  let clean = false;
  let betweenStatements = false; // at a yield: no COPY runs, so the transaction can simply end
  try {
    await client.query('begin isolation level repeatable read, read only');
    // The values' text is copied into the lines as PostgreSQL writes it: shortest exact digits.
    await client.query('set local extra_float_digits = 1');
    const lines = new LineWriter(meter, format, limits.messageBytes);
    let after: number | undefined;
    for (;;) {
      const span = { startMs: range.startMs, afterMs: after, endMs: range.endMs };
      const statement = exportCopyStatement(database, meter.meter_id, span, limits.rowsPerCopy, asOfMs);
      const decoder = new BinaryCopyRows((row) => lines.write(row), format === ExportFormat.EXPORT_FORMAT_NDJSON);
      // Chunks that arrived together are read in one run of microtasks: without a yield, a COPY's
      // 16,384 lines were written in one turn of the event loop (25–50 ms).
      const nextSlice = slicer();
      for await (const chunk of client.query(copyTo(statement)) as AsyncIterable<Buffer>) {
        decoder.push(chunk);
        await nextSlice();
      }
      decoder.end();
      const batch = lines.take();
      betweenStatements = true;
      for (const message of batch.messages) yield message;
      betweenStatements = false;
      if (batch.rows < limits.rowsPerCopy) break;
      after = batch.lastStartMs;
    }
    await client.query('commit');
    clean = true;
  } finally {
    // Left at a yield (the client went away): end the transaction and keep the connection, unless
    // the rollback gets no answer in time (a dead connection never sends one).
    if (!clean && betweenStatements) clean = await settlesWithin(client.query('rollback'), ROLLBACK_TIMEOUT_MS);
    client.release(!clean);
  }
}

const ROLLBACK_TIMEOUT_MS = 5_000;

/** The COPY of the next rows (from startMs, or after afterMs once a batch was read) before endMs. */
function exportCopyStatement(
  database: DatabaseHandle,
  meterId: string,
  range: { startMs: number; afterMs: number | undefined; endMs: number },
  rows: number,
  asOfMs: number | undefined,
): string {
  const instant = (ms: number) => sql`${sql.lit(instantText(ms))}::timestamptz`;
  const from = range.afterMs === undefined ? sql`interval_start >= ${instant(range.startMs)}` : sql`interval_start > ${instant(range.afterMs)}`;
  const query = sql`select interval_start, usage::float8::text, quality, upload_id from ${readingsAt(asOfMs)} as readings
    where meter_id = ${sql.lit(meterId)} and ${from} and interval_start < ${instant(range.endMs)}
    order by interval_start limit ${sql.lit(rows)}`.compile(database.db);
  if (query.parameters.length > 0) throw new Error('the export COPY must not take bind parameters');
  return `copy (${query.sql}) to stdout (format binary)`;
}

/** Writes decoded rows as lines, into messages of about messageBytes. */
class LineWriter {
  private readonly writeLine: ExportLineWriter;
  private readonly meterBytes: Buffer;
  private readonly intervalMs: number;
  private readonly labelAtEnd: boolean;
  // One object for every line: the writers read it at once and keep nothing.
  private readonly reading: ReadingFields = { timeMs: 0, startMs: 0, endMs: 0, usage: undefined, missing: false, quality: 0, uploadId: '' };
  private out = new TextSink();
  private messages: Buffer[][] = [];
  private rows = 0;
  private lastStartMs = 0;

  constructor(
    meter: MeterRow,
    format: ExportLineFormat,
    private readonly messageBytes: number,
  ) {
    this.writeLine = exportLineWriter(format);
    this.meterBytes = exportMeterBytes(meter.meter_id, format);
    this.intervalMs = meter.interval_seconds * 1000;
    this.labelAtEnd = meter.time_label === 'end';
  }

  /** The row as the mapper would give it (toReadingFields), written as a line. */
  write(row: BinaryReadingRow): void {
    const reading = this.reading;
    const endMs = row.startMs + this.intervalMs;
    reading.startMs = row.startMs;
    reading.endMs = endMs;
    reading.timeMs = this.labelAtEnd ? endMs : row.startMs;
    reading.usage = row.usage;
    reading.missing = row.usage === undefined;
    reading.quality = readingQualityOf(true, row.usage ?? null, row.quality);
    reading.uploadId = row.uploadId;
    this.writeLine(this.out, this.meterBytes, reading, row.usageText);
    this.rows++;
    this.lastStartMs = row.startMs;
    if (this.out.length >= this.messageBytes) this.closeMessage();
  }

  /** The messages (each as its chunks of lines) of the rows written since the last take, how many rows, and the last one's start. */
  take(): { messages: Buffer[][]; rows: number; lastStartMs: number } {
    if (this.out.length > 0) this.closeMessage();
    const taken = { messages: this.messages, rows: this.rows, lastStartMs: this.lastStartMs };
    this.messages = [];
    this.rows = 0;
    return taken;
  }

  private closeMessage(): void {
    this.messages.push(this.out.finish());
    this.out = new TextSink();
  }
}
