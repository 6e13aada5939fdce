import { sql, type Expression, type SqlBool } from 'kysely';
import type pg from 'pg';
import type { DatabaseHandle } from '../db/connection';
import { meterIdVisible, type VisibleMeters } from '../db/visible-meters';
import type { UploadRecordOptions, UploadRecordReport } from './upload-record';

type Db = DatabaseHandle['db'];

export interface NewUploadRow {
  receivedAt: Date;
  source: string;
  caller: string;
  fileName: string;
  sha256: string;
  options: UploadRecordOptions;
  meterIds: string[];
}

export interface UploadRow {
  upload_id: string;
  received_at: Date;
  committed_at: Date;
  source: string;
  caller: string;
  file_name: string;
  sha256: string;
  options: UploadRecordOptions;
  meter_ids: string[];
  report: UploadRecordReport;
  history_kept: boolean;
}

/**
 * Opens an upload's record on the upload's own connection, inside its transaction and after its
 * meters are locked, before it writes a reading: every value written carries the id returned, and
 * every version replaced gets the record's committed_at as its replaced_at. committed_at is taken
 * here, to the millisecond (as the API shows it), so `as_of` = a commit time as shown includes the
 * upload. Writers of the same meter hold its lock in turn, so their committed_at follow their order.
 * The report is filled in by completeUploadRecord once known.
 */
export async function openUploadRecord(client: pg.PoolClient, upload: NewUploadRow): Promise<string> {
  const { rows } = await client.query<{ upload_id: string }>(
    `insert into uploads (received_at, committed_at, source, caller, file_name, sha256, options, meter_ids, report)
     values ($1, date_trunc('milliseconds', clock_timestamp()), $2, $3, $4, $5, $6, $7, '{}') returning upload_id`,
    [upload.receivedAt, upload.source, upload.caller, upload.fileName, upload.sha256, JSON.stringify(upload.options), upload.meterIds],
  );
  return rows[0]!.upload_id;
}

/**
 * The digest of a record opened before its bytes were all received (an upload writing readings as
 * it reads them, direct-append.ts): completeUploadRecord replaces it, in the same transaction.
 */
export const UNKNOWN_DIGEST = '0'.repeat(64);

/** Stores the report (and the digest, when given) of an upload whose record openUploadRecord opened (same transaction). */
export async function completeUploadRecord(client: pg.PoolClient, uploadId: string, report: UploadRecordReport, sha256?: string): Promise<void> {
  await client.query(`update uploads set report = $2, sha256 = coalesce($3, sha256) where upload_id = $1`, [uploadId, JSON.stringify(report), sha256 ?? null]);
}

/** Removes a record opened in this transaction: the upload turned out to change nothing and asked not to be kept then (the seed). */
export async function dropUploadRecord(client: pg.PoolClient, uploadId: string): Promise<void> {
  await client.query(`delete from uploads where upload_id = $1`, [uploadId]);
}

/** Uploads every meter of which is visible (an upload naming one other meter would show that it exists). */
function allMetersVisible(visible: VisibleMeters): Expression<SqlBool> {
  if (visible.all) return sql<SqlBool>`true`;
  return sql<SqlBool>`not exists (select 1 from unnest(meter_ids) as m(id) where not ${meterIdVisible(sql.ref<string>('m.id'), visible)})`;
}

/** One page of visible uploads, newest first, with ids below beforeId; limit + 1 rows tell whether more follow. */
export async function listUploads(
  db: Db,
  query: { meterId: string | undefined; beforeId: string | undefined; limit: number; visible: VisibleMeters },
): Promise<UploadRow[]> {
  let select = db.selectFrom('uploads').selectAll().where(allMetersVisible(query.visible));
  if (query.meterId !== undefined) select = select.where(sql<SqlBool>`meter_ids @> array[${query.meterId}]::text[]`);
  if (query.beforeId !== undefined) select = select.where('upload_id', '<', query.beforeId);
  return (await select.orderBy('upload_id', 'desc').limit(query.limit).execute()) as UploadRow[];
}

/** One upload, if it exists and every meter of it is visible. */
export async function findUpload(db: Db, uploadId: string, visible: VisibleMeters): Promise<UploadRow | undefined> {
  return (await db.selectFrom('uploads').selectAll().where('upload_id', '=', uploadId).where(allMetersVisible(visible)).executeTakeFirst()) as
    UploadRow | undefined;
}
