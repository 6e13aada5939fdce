import {
  type IngestOptions as IngestOptionsMessage,
  type IngestReadingsRequest,
  type IngestReadingsResponse,
  type IngestReport,
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
import { ingestCsv, type IngestOptions, type IngestResult } from './ingest-csv';
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

/** Meters listed in a report (meters, meters_created): the first ones by meter id; the counts give the totals. */
const MAX_REPORTED_METERS = 100;

/** IngestReadings: options first, then the CSV bytes, streamed into ingestCsv. */
export function createIngestHandlers(deps: IngestHandlerDeps): Pick<MeterUsageServiceServer, 'ingestReadings'> {
  return {
    ingestReadings: clientStream(
      'IngestReadings',
      deps,
      deps.streamGuards,
      async (messages: AsyncIterable<IngestReadingsRequest>, cancelled: AbortSignal, call): Promise<IngestReadingsResponse> => {
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
        // The CSV's bytes. A thrown error reaches ingestCsv before its commit, so it rolls back.
        async function* chunks(): AsyncGenerator<Uint8Array> {
          let ended = false;
          for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) {
            const payload = next.value.payload;
            if (ended) throw new InvalidArgumentError('end', 'nothing may follow the end message of an upload');
            if (payload?.$case === 'chunk') yield payload.value;
            else if (payload?.$case === 'end') ended = true;
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
        const result = await ingestCsv(deps.database, chunks(), options, { storage: deps.storage(), logger: deps.logger, cancelled });
        deps.telemetry?.observeUpload(result);
        // The audit line of every write: which key, which request (callLogger), what changed.
        callLogger(deps.logger, call).info(
          {
            audit: true,
            method: 'IngestReadings',
            committed: result.committed,
            inserted: result.inserted,
            updated: result.updated,
            meters: result.meters.slice(0, MAX_REPORTED_METERS).map((meter) => meter.meterId),
            meterCount: result.meters.length,
          },
          result.committed ? 'upload committed' : 'upload refused, nothing written',
        );
        // The one meter targeted: the named one, or the default meter of a file without a meter_id column.
        const meterId = options.meterId ?? (result.multiMeterFile ? '' : options.defaultMeterId);
        return { meterId, report: toIngestReport(result) };
      },
    ),
  };
}

function toIngestOptions(message: IngestOptionsMessage, deps: IngestHandlerDeps, writeGrant: WriteGrant): IngestOptions {
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

function toIngestReport(result: IngestResult): IngestReport {
  return {
    committed: result.committed,
    accepted: result.accepted,
    inserted: result.inserted,
    updated: result.updated,
    unchanged: result.unchanged,
    skipped: result.skipped,
    rejected: result.rejected,
    errors: result.errors,
    metersCreated: result.metersCreated.slice(0, MAX_REPORTED_METERS),
    metersCreatedCount: result.metersCreated.length,
    meters: result.meters.slice(0, MAX_REPORTED_METERS),
    meterCount: result.meters.length,
    firstIntervalStart: result.firstStartMs === undefined ? undefined : new Date(result.firstStartMs),
    lastIntervalEnd: result.lastEndMs === undefined ? undefined : new Date(result.lastEndMs),
  };
}
