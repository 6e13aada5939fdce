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
  report: UploadRecordReport;
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
}

/** Inserts an upload's record on the upload's own connection, inside its transaction; returns its id. */
export async function insertUpload(client: pg.PoolClient, upload: NewUploadRow): Promise<string> {
  const { rows } = await client.query<{ upload_id: string }>(
    `insert into uploads (received_at, source, caller, file_name, sha256, options, meter_ids, report)
     values ($1, $2, $3, $4, $5, $6, $7, $8) returning upload_id`,
    [
      upload.receivedAt,
      upload.source,
      upload.caller,
      upload.fileName,
      upload.sha256,
      JSON.stringify(upload.options),
      upload.meterIds,
      JSON.stringify(upload.report),
    ],
  );
  return rows[0]!.upload_id;
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
