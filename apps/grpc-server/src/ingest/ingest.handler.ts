import {
  ConflictPolicy,
  IngestMode,
  TimeLabel,
  type IngestOptions as IngestOptionsMessage,
  type IngestReadingsRequest,
  type IngestReadingsResponse,
  type IngestReport,
  type MeterUsageServiceServer,
} from '@meterusage/contracts';
import { METER_ID_PATTERN } from '@meterusage/config';
import type { DatabaseHandle } from '../db/connection';
import type { StorageFeatures } from '../db/timescale';
import { InvalidArgumentError } from '../errors';
import { clientStream } from '../grpc/client-stream';
import { timeZoneOf } from '../grpc/request-fields';
import type { StreamGuards } from '../grpc/stream-guards';
import type { Logger } from '../logger';
import type { ServerMetrics } from '../metrics';
import { ingestCsv, type IngestOptions, type IngestResult } from './ingest-csv';

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
  metrics?: ServerMetrics;
}

const POLICIES: Record<ConflictPolicy, IngestOptions['onConflict'] | undefined> = {
  [ConflictPolicy.CONFLICT_POLICY_UNSPECIFIED]: 'update',
  [ConflictPolicy.CONFLICT_POLICY_UPDATE]: 'update',
  [ConflictPolicy.CONFLICT_POLICY_SKIP]: 'skip',
  [ConflictPolicy.CONFLICT_POLICY_REJECT]: 'reject',
  [ConflictPolicy.UNRECOGNIZED]: undefined,
};
const MODES: Record<IngestMode, IngestOptions['mode'] | undefined> = {
  [IngestMode.INGEST_MODE_UNSPECIFIED]: 'atomic',
  [IngestMode.INGEST_MODE_ATOMIC]: 'atomic',
  [IngestMode.INGEST_MODE_PARTIAL]: 'partial',
  [IngestMode.UNRECOGNIZED]: undefined,
};
const LABELS: Record<TimeLabel, IngestOptions['timeLabel'] | null> = {
  [TimeLabel.TIME_LABEL_UNSPECIFIED]: undefined,
  [TimeLabel.TIME_LABEL_START]: 'start',
  [TimeLabel.TIME_LABEL_END]: 'end',
  [TimeLabel.UNRECOGNIZED]: null,
};

/** Meters listed in a report (meters, meters_created): the first ones by meter id; the counts give the totals. */
const MAX_REPORTED_METERS = 100;

/** IngestReadings: options first, then the CSV bytes, streamed into ingestCsv. */
export function createIngestHandlers(deps: IngestHandlerDeps): Pick<MeterUsageServiceServer, 'ingestReadings'> {
  return {
    ingestReadings: clientStream('IngestReadings', deps, deps.streamGuards, async (messages: AsyncIterable<IngestReadingsRequest>, cancelled: AbortSignal): Promise<IngestReadingsResponse> => {
      const iterator = messages[Symbol.asyncIterator]();
      const first = await iterator.next();
      if (first.done === true || first.value.payload?.$case !== 'options') {
        throw new InvalidArgumentError('options', 'the first message of an upload must carry the options');
      }
      const options = toIngestOptions(first.value.payload.value, deps);
      async function* chunks(): AsyncGenerator<Uint8Array> {
        for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) {
          const payload = next.value.payload;
          if (payload?.$case === 'chunk') yield payload.value;
          else throw new InvalidArgumentError('options', 'only the first message of an upload may carry options');
        }
      }
      const result = await ingestCsv(deps.database, chunks(), options, { storage: deps.storage(), logger: deps.logger, cancelled });
      deps.metrics?.observeUpload(result);
      // The one meter targeted: the named one, or the default meter of a file without a meter_id column.
      const meterId = options.meterId ?? (result.multiMeterFile ? '' : options.defaultMeterId);
      return { meterId, report: toIngestReport(result) };
    }),
  };
}

function toIngestOptions(message: IngestOptionsMessage, deps: IngestHandlerDeps): IngestOptions {
  const meterId = message.meterId === '' ? undefined : message.meterId;
  if (meterId !== undefined && !METER_ID_PATTERN.test(meterId)) throw new InvalidArgumentError('meter_id', "must be 1 to 64 letters, digits, '.', '_', ':' or '-'");
  const unit = message.unit === '' ? undefined : message.unit;
  if (unit !== undefined && !/^[\p{L}\p{N}_/.·²³%-]{1,16}$/u.test(unit)) throw new InvalidArgumentError('unit', 'must be 1 to 16 letters, digits or one of _ / . - %');
  const onConflict = POLICIES[message.onConflict];
  if (onConflict === undefined) throw new InvalidArgumentError('on_conflict', 'must be CONFLICT_POLICY_UPDATE, _SKIP or _REJECT');
  const mode = MODES[message.mode];
  if (mode === undefined) throw new InvalidArgumentError('mode', 'must be INGEST_MODE_ATOMIC or INGEST_MODE_PARTIAL');
  const timeLabel = LABELS[message.timeLabel];
  if (timeLabel === null) throw new InvalidArgumentError('time_label', 'must be TIME_LABEL_START or TIME_LABEL_END');
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
