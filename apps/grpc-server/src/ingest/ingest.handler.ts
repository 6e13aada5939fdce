import { createHash } from 'node:crypto';
import {
  type IngestOptions as IngestOptionsMessage,
  type IngestReadingsRequest,
  type IngestReadingsResponse,
  type MeterUsageServiceServer,
} from '@meterusage/contracts';
import {
  CONFLICT_POLICIES,
  DEFAULT_CONFLICT_POLICY,
  DEFAULT_INGEST_MODE,
  INGEST_MODES,
  isMeterId,
  METER_ID_RULE,
  TIME_LABELS,
  UNIT_PATTERN,
  UNIT_RULE,
} from '@meterusage/meters';
import type { DatabaseHandle } from '../db/connection';
import type { StorageFeatures } from '../db/timescale';
import { InvalidArgumentError, quoted } from '../errors';
import { callLogger } from '../grpc/call-logger';
import { clientStream } from '../grpc/client-stream';
import { timeZoneOf } from '../grpc/request-fields';
import type { StreamGuards } from '../grpc/stream-guards';
import type { Logger } from '../logger';
import type { Telemetry } from '../prometheus';
import { callerOf } from '../access/caller';
import { recordReportOf, type UploadOrigin } from '../uploads/upload-record';
import { toIngestReport } from '../uploads/uploads.mapper';
import { ingestCsv, type IngestOptions } from './ingest-csv';
import { requireWriteGrant, type WriteGrant } from './upload-meters';

export interface IngestHandlerDeps {
  database: DatabaseHandle;
  defaultMeterId: string;
  /** Most meters one upload may create (MAX_NEW_METERS_PER_UPLOAD). */
  maxNewMetersPerUpload: number;
  /** Zone of naive timestamps when an upload names none (CSV_TIMEZONE). */
  defaultTimeZone: string;
  /** Read per upload: start-up learns the database's features after the server is built. */
  storage: () => StorageFeatures;
  /** Bound uploads: how many at once, how long one may stay silent, how shutdown ends them. */
  streamGuards: StreamGuards;
  logger: Logger;
  telemetry?: Telemetry;
}

/** IngestReadings: options first, then the CSV bytes, streamed into ingestCsv. */
export function createIngestHandlers(deps: IngestHandlerDeps): Pick<MeterUsageServiceServer, 'ingestReadings'> {
  return {
    ingestReadings: clientStream(
      'IngestReadings',
      deps,
      deps.streamGuards,
      async (messages: AsyncIterable<IngestReadingsRequest>, cancelled: AbortSignal, call): Promise<IngestReadingsResponse> => {
        const receivedAt = new Date();
        const iterator = messages[Symbol.asyncIterator]();
        const first = await iterator.next();
        if (first.done === true || first.value.payload?.$case !== 'options') {
          throw new InvalidArgumentError('options', 'the first message of an upload must carry the options');
        }
        const caller = callerOf(call);
        const options = toIngestOptions(first.value.payload.value, deps, { keyName: caller.keyName, allows: (meterId) => caller.grants.allows(meterId) });
        // The one meter named up front: refused before a byte of the file is read.
        if (options.meterId !== undefined) requireWriteGrant(options.writeGrant, options.meterId);
        const explicitEnd = first.value.payload.value.explicitEnd;
        // The record's fingerprint of the bytes as received; complete once the file is read, before the commit.
        const digest = createHash('sha256');
        const origin: UploadOrigin = {
          receivedAt,
          source: first.value.payload.value.client.slice(0, 200) || 'IngestReadings',
          caller: caller.keyName,
          fileName: first.value.payload.value.fileName.slice(0, 200),
          sha256: () => digest.copy().digest('hex'),
        };
        // The CSV's bytes. A thrown error reaches ingestCsv before its commit, so it rolls back.
        async function* chunks(): AsyncGenerator<Uint8Array> {
          let ended = false;
          for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) {
            const payload = next.value.payload;
            if (ended) throw new InvalidArgumentError('end', 'nothing may follow the end message of an upload');
            if (payload?.$case === 'chunk') {
              digest.update(payload.value);
              yield payload.value;
            } else if (payload?.$case === 'end') ended = true;
            else if (payload?.$case === 'options') throw new InvalidArgumentError('options', 'only the first message of an upload may carry options');
            else throw new InvalidArgumentError('payload', 'every message after the options must carry a chunk (or, last, the end)');
          }
          // grpc-js can report a cancelled call's stream as ended before it reports the cancel: only
          // the client's own end message proves that the file arrived whole.
          if (explicitEnd && !ended) {
            throw new InvalidArgumentError(
              'end',
              'the upload stream closed without its end message (options.explicit_end): the file did not arrive whole; nothing was written',
            );
          }
        }
        const result = await ingestCsv(
          deps.database,
          chunks(),
          { ...options, origin },
          {
            storage: deps.storage(),
            // The upload's own log lines are its audit lines: with the key's name and the request id.
            logger: callLogger(deps.logger, call),
            cancelled,
          },
        );
        deps.telemetry?.observeUpload(result);
        // The one meter targeted: the named one, or the default meter of a file without a meter_id column.
        const meterId = options.meterId ?? (result.multiMeterFile ? '' : options.defaultMeterId);
        return { meterId, report: toIngestReport(recordReportOf(result), result.uploadId ?? '') };
      },
    ),
  };
}

function toIngestOptions(message: IngestOptionsMessage, deps: IngestHandlerDeps, writeGrant: WriteGrant): Omit<IngestOptions, 'origin'> {
  const meterId = message.meterId === '' ? undefined : message.meterId;
  if (meterId !== undefined && !isMeterId(meterId)) throw new InvalidArgumentError('meter_id', `must be ${METER_ID_RULE}, got ${quoted(meterId)}`);
  const unit = message.unit === '' ? undefined : message.unit;
  if (unit !== undefined && !UNIT_PATTERN.test(unit)) throw new InvalidArgumentError('unit', `must be ${UNIT_RULE}`);
  const onConflict = CONFLICT_POLICIES.fromField(message.onConflict, DEFAULT_CONFLICT_POLICY);
  if (onConflict === null) throw new InvalidArgumentError('on_conflict', `must be ${CONFLICT_POLICIES.memberChoices}`);
  const mode = INGEST_MODES.fromField(message.mode, DEFAULT_INGEST_MODE);
  if (mode === null) throw new InvalidArgumentError('mode', `must be ${INGEST_MODES.memberChoices}`);
  // Unstated: each meter keeps its own label (new meters get the default).
  const timeLabel = TIME_LABELS.fromField(message.timeLabel, undefined);
  if (timeLabel === null) throw new InvalidArgumentError('time_label', `must be ${TIME_LABELS.memberChoices}`);
  return {
    meterId,
    defaultMeterId: deps.defaultMeterId,
    unit,
    timeZone: message.timeZone === '' ? deps.defaultTimeZone : timeZoneOf(message.timeZone),
    onConflict,
    mode,
    timeLabel,
    maxNewMeters: deps.maxNewMetersPerUpload,
    sourceName: message.sourceName.slice(0, 200) || 'upload',
    writeGrant,
  };
}
