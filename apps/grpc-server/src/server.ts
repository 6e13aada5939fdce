import * as grpc from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { fileDescriptorProtos, MeterUsageServiceService } from '@meterusage/contracts';
import type { DatabaseHandle } from './db/connection';
import type { StorageFeatures } from './db/timescale';
import type { Telemetry } from './prometheus';
import type { Logger } from './logger';
import type { AccessConfig, GrpcServerTls } from './config';
import { createApiKeyHandlers } from './access/api-keys.handler';
import { authorizeCalls, type AccessControl } from './access/authorize-calls';
import { KeyAuthenticator } from './access/key-authenticator';
import { addHealthService } from './grpc/health';
import type { StreamGuards } from './grpc/stream-guards';
import { StreamSlots, type StreamLimits } from './grpc/stream-limits';
import { StreamShutdown } from './grpc/stream-shutdown';
import { gateUntilServing, type ServerPhase } from './grpc/serving-gate';
import { Admission, AdmissionBusyError, type AdmissionLimits } from './admission';
import { acceptPreEncoded } from './grpc/pre-encoded';
import { createIngestHandlers } from './ingest/ingest.handler';
import { DEFAULT_ESTIMATE_MAX_GAP_INTERVALS, DEFAULT_MAX_NEW_METERS_PER_UPLOAD } from './config';
import { createMeterHandlers } from './meters/meters.handler';
import { PageTokens } from './readings/page-token';
import { createReadingHandlers } from './readings/readings.handler';
import { createUploadHandlers } from './uploads/uploads.handler';
import { createHistoryHandlers } from './history/history.handler';
import { createUsageHandlers } from './usage/usage.handler';
import { createLoadProfileHandler } from './usage/load-profile.handler';

export interface ServerDeps {
  database: DatabaseHandle;
  defaultMeterId: string;
  /** Zone of naive CSV timestamps when an upload names none (CSV_TIMEZONE). */
  defaultTimeZone?: string;
  /** Key that signs page tokens; replicas behind one balancer must share it. */
  pageTokenSecret: string;
  /** Features of the database (TimescaleDB rollups), read per call: start-up learns them after the server is built. Plain PostgreSQL when omitted. */
  storage?: () => StorageFeatures;
  /** Prometheus counters to record calls in (served on METRICS_PORT); none when omitted. */
  telemetry?: Telemetry;
  logger: Logger;
  /** Most calls of each long-running method at once (method name → limit); unbounded when omitted. */
  streamLimits?: StreamLimits;
  /** How long a call over its limit waits for a slot before RESOURCE_EXHAUSTED; 0 (default) refuses at once. */
  streamSlotWaitMs?: number;
  /** An upload that sends nothing for this long is ended with DEADLINE_EXCEEDED and rolled back; no limit when omitted. */
  uploadIdleTimeoutMs?: number;
  /** Most meters one upload may create (MAX_NEW_METERS_PER_UPLOAD); DEFAULT_MAX_NEW_METERS_PER_UPLOAD when omitted. */
  maxNewMetersPerUpload?: number;
  /** LINEAR estimation's default longest gap (ESTIMATE_MAX_GAP_INTERVALS); DEFAULT_ESTIMATE_MAX_GAP_INTERVALS when omitted. */
  estimateMaxGapIntervals?: number;
  /** Admission of AggregateUsage answers by their buckets (USAGE_ADMISSION_*); unbounded when omitted. */
  usageAdmission?: { buckets: number; queueMax: number; waitMs: number };
  /** Access control (AUTH_MODE and its companions); AUTH_MODE=off with the defaults when omitted. */
  access?: AccessConfig;
}

const NO_ACCESS_CONTROL: AccessConfig = Object.freeze({
  auth: { mode: 'off' as const, offBeyondLoopback: false },
  keyCacheMs: 2000,
  failureDelayMs: 500,
  legacyIngestToken: undefined,
});

export interface MeterUsageServer {
  server: grpc.Server;
  /**
   * Flip readiness: SERVING once the database is migrated and seeded, NOT_SERVING while the
   * database fails its check. The first SERVING also opens the gate: calls before it are refused as "starting".
   */
  setServing: (serving: boolean) => void;
  /** Shutdown has begun: NOT_SERVING, and every new call is answered UNAVAILABLE "shutting down" (call before tryShutdown). */
  beginShutdown: () => void;
  /**
   * Ends every open health Watch with OK, after the statuses already sent. A Watch never ends by
   * itself, so one open Watch would otherwise hold a graceful shutdown until its grace period is
   * over. Call it after tryShutdown() (no new calls, so watchers cannot come back on this server).
   */
  endHealthWatches: () => void;
  /**
   * Ends the uploads still running with UNAVAILABLE ("server shutting down; nothing written, send
   * the upload again") and resolves once they are rolled back: for the end of the grace period,
   * before forceShutdown cancels whatever is left.
   */
  endUploads: () => Promise<void>;
}

const PLAIN_POSTGRESQL: StorageFeatures = Object.freeze({ hourlyRollup: false });

// Keepalive: answer client pings every 10 s or more; clients must not ping more often (the gateway pings every 30 s).
export const SERVER_OPTIONS: grpc.ServerOptions = {
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': 10_000,
  'grpc.max_receive_message_length': 16 * 1024 * 1024,
  'grpc.max_send_message_length': 64 * 1024 * 1024,
  // HTTP/2 streams one connection may open at once; the gateway multiplexes every request over one.
  'grpc.max_concurrent_streams': 256,
};

/** Builds the gRPC server with the meter service, health and reflection; binding is the caller's. */
export function createMeterUsageServer(deps: ServerDeps): MeterUsageServer {
  const server = new grpc.Server(SERVER_OPTIONS);
  const { database, defaultMeterId, logger, telemetry } = deps;
  const db = database.db;
  const storage = deps.storage ?? (() => PLAIN_POSTGRESQL);
  const observer = { logger, telemetry };
  const streamShutdown = new StreamShutdown();
  const access = deps.access ?? NO_ACCESS_CONTROL;
  const accessControl: AccessControl = {
    mode: access.auth.mode,
    authenticator: new KeyAuthenticator(db, { cacheMs: access.keyCacheMs, legacyIngestToken: access.legacyIngestToken, logger }),
    failureDelayMs: access.failureDelayMs,
    defaultMeterId,
  };
  const usageAdmission = deps.usageAdmission === undefined ? undefined : createUsageAdmission(deps.usageAdmission, telemetry);
  const streamGuards: StreamGuards = {
    slots: deps.streamLimits
      ? new StreamSlots(deps.streamLimits, { waitMs: deps.streamSlotWaitMs ?? 0, onRefused: (method) => telemetry?.observeRefusal(method) })
      : undefined,
    messageIdleTimeoutMs: deps.uploadIdleTimeoutMs,
    shutdown: streamShutdown,
  };
  const pageTokens = new PageTokens(deps.pageTokenSecret);
  // Each feature gets what it uses and nothing else.
  const implementation = {
    ...createReadingHandlers({ ...observer, database, db, defaultMeterId, pageTokens, streamGuards }),
    ...createHistoryHandlers({
      ...observer,
      database,
      db,
      defaultMeterId,
      pageTokens,
      storage,
      estimateMaxGapIntervals: deps.estimateMaxGapIntervals ?? DEFAULT_ESTIMATE_MAX_GAP_INTERVALS,
    }),
    ...createMeterHandlers({ ...observer, db, defaultMeterId }),
    ...createUploadHandlers({ ...observer, db }),
    ...createApiKeyHandlers({ ...observer, db, authMode: access.auth.mode, onRevoked: (keyId) => accessControl.authenticator.forget(keyId) }),
    ...createUsageHandlers({ ...observer, database, db, defaultMeterId, storage, usageAdmission }),
    ...createLoadProfileHandler({ ...observer, db, defaultMeterId, storage }),
    ...createIngestHandlers({
      ...observer,
      database,
      defaultMeterId,
      defaultTimeZone: deps.defaultTimeZone ?? 'UTC',
      storage,
      maxNewMetersPerUpload: deps.maxNewMetersPerUpload ?? DEFAULT_MAX_NEW_METERS_PER_UPLOAD,
      streamGuards,
    }),
  };
  // Calls run only between start-up's end and shutdown's start; readiness also follows the database's checks.
  let phase: ServerPhase = 'starting';
  // AggregateUsage builds its large answers in slices and hands over the bytes (grpc/pre-encoded.ts).
  const service = acceptPreEncoded(MeterUsageServiceService);
  server.addService(
    service,
    gateUntilServing(service, authorizeCalls(service, implementation, accessControl, observer), () => phase, observer),
  );
  const health = addHealthService(server);

  // Reflection reads only the fileDescriptorProtos of each entry; giving it buf's original
  // descriptors (imports included) is what lets `buf curl` resolve the schema.
  const descriptors = { files: { fileDescriptorProtos: fileDescriptorProtos().map((bytes) => Buffer.from(bytes)) } };
  new ReflectionService(descriptors as unknown as ConstructorParameters<typeof ReflectionService>[0]).addToServer(server);

  function setServing(nowServing: boolean): void {
    if (phase === 'stopping' && nowServing) return; // shutdown is final
    if (nowServing) phase = 'serving'; // the first SERVING ends start-up; later flips follow the database
    health.setServing(nowServing);
  }

  return {
    server,
    setServing,
    beginShutdown() {
      phase = 'stopping';
      health.setServing(false);
    },
    endHealthWatches: () => health.endWatches(),
    endUploads: () => streamShutdown.end(),
  };
}

// Usage answers' refusals are spread over the last half of USAGE_ADMISSION_WAIT_MS: with 200
// clients retrying at once on a year of 15-minute buckets, refusals at the exact wait came in
// waves of up to 200, and the gateway's health probes waited behind each wave. In the load
// bench's overload scenario the median of the runs' /healthz p99 went from 147 ms (3 runs) to
// 91 ms (7 runs), although the spread makes more refusals a second.
const USAGE_REFUSAL_SPREAD = 0.5;

function createUsageAdmission(limits: NonNullable<ServerDeps['usageAdmission']>, telemetry: Telemetry | undefined): Admission {
  const admissionLimits: AdmissionLimits = { capacity: limits.buckets, queueMax: limits.queueMax, waitMs: limits.waitMs, refusalSpread: USAGE_REFUSAL_SPREAD };
  const admission = new Admission(admissionLimits, (reason, { inProgress, waiting }) => {
    telemetry?.observeAdmissionBusy(reason);
    return new AdmissionBusyError('usage answers', inProgress, waiting, reason);
  });
  telemetry?.watchAdmission(admission);
  return admission;
}

/** Plaintext, TLS, or mutual TLS (when a client CA is given, clients without a certificate it signed are refused). */
export function serverCredentials(tls: GrpcServerTls | undefined): grpc.ServerCredentials {
  if (tls === undefined) return grpc.ServerCredentials.createInsecure();
  const keyPair = { cert_chain: tls.certificateChain, private_key: tls.privateKey };
  return grpc.ServerCredentials.createSsl(tls.clientCa ?? null, [keyPair], tls.clientCa !== undefined);
}

/** Binds the server; resolves with the actual port (useful with port 0 in tests). */
export function bindServer(server: grpc.Server, host: string, port: number, tls?: GrpcServerTls): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, serverCredentials(tls), (error, boundPort) =>
      error ? reject(new Error(`cannot listen on ${host}:${port}: ${error.message}`, { cause: error })) : resolve(boundPort),
    );
  });
}
