import type { GetUploadRequest, ListUploadsRequest, MeterUsageServiceServer } from '@meterusage/contracts';
import { isMeterId, METER_ID_RULE } from '@meterusage/meters';
import { callerOf } from '../access/caller';
import type { DatabaseHandle } from '../db/connection';
import { InvalidArgumentError, NotFoundError, quoted } from '../errors';
import { unary } from '../grpc/unary';
import type { Logger } from '../logger';
import type { Telemetry } from '../prometheus';
import { isUploadId } from './upload-id';
import { decodeUploadPageToken, encodeUploadPageToken } from './upload-page-token';
import { toUpload } from './uploads.mapper';
import { findUpload, listUploads } from './uploads.repository';

/** ListUploads' page size: 0 means `default`; at most `max`. */
export const UPLOAD_PAGE_SIZE = Object.freeze({ default: 50, max: 1000 });

/** ListUploads and GetUpload: the records of committed uploads, as far as the caller's grants reach. */
export function createUploadHandlers(deps: {
  db: DatabaseHandle['db'];
  logger: Logger;
  telemetry?: Telemetry;
}): Pick<MeterUsageServiceServer, 'listUploads' | 'getUpload'> {
  return {
    listUploads: unary('ListUploads', deps, async (request: ListUploadsRequest, call) => {
      const grants = callerOf(call).grants;
      const violations: Array<{ field: string; description: string }> = [];
      if (request.meterId !== '' && !isMeterId(request.meterId))
        violations.push({ field: 'meter_id', description: `must be ${METER_ID_RULE}, got ${quoted(request.meterId)}` });
      if (request.pageSize < 0 || request.pageSize > UPLOAD_PAGE_SIZE.max) {
        violations.push({
          field: 'page_size',
          description: `must be from 0 (= ${UPLOAD_PAGE_SIZE.default}) to ${UPLOAD_PAGE_SIZE.max}, got ${request.pageSize}`,
        });
      }
      if (violations.length > 0) throw new InvalidArgumentError(violations);
      // A meter outside the grants reads as one that does not exist, as everywhere.
      if (request.meterId !== '' && !grants.allows(request.meterId)) throw new NotFoundError('meter', request.meterId);
      const pageSize = request.pageSize === 0 ? UPLOAD_PAGE_SIZE.default : request.pageSize;
      const beforeId = request.pageToken === '' ? undefined : decodeUploadPageToken(request.pageToken, request.meterId);
      const rows = await listUploads(deps.db, { meterId: request.meterId || undefined, beforeId, limit: pageSize + 1, visible: grants.parts });
      const page = rows.slice(0, pageSize);
      return {
        uploads: page.map(toUpload),
        nextPageToken: rows.length > pageSize ? encodeUploadPageToken(request.meterId, page[page.length - 1]!.upload_id) : '',
      };
    }),
    getUpload: unary('GetUpload', deps, async (request: GetUploadRequest, call) => {
      if (!isUploadId(request.uploadId))
        throw new InvalidArgumentError('upload_id', `must be an upload's id (decimal digits), got ${quoted(request.uploadId)}`);
      // Outside the grants, an upload is not found, as an id that does not exist.
      const row = await findUpload(deps.db, request.uploadId, callerOf(call).grants.parts);
      if (row === undefined) throw new NotFoundError('upload', request.uploadId);
      return { upload: toUpload(row) };
    }),
  };
}
