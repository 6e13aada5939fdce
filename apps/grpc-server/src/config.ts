import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { EnvReader, LOG_LEVELS, readAuthMode, type AuthModeSetting, type Env, type LogLevel } from '@meterusage/config';

/** Where grpc-server finds PostgreSQL: a server it is given, or one it starts itself. */
export type DatabaseTarget = { kind: 'external'; connectionString: string; description: string } | { kind: 'embedded'; dataDir: string; port: number };

export interface ServerConfig {
  readonly database: DatabaseTarget;
  readonly poolMin: number;
  readonly poolMax: number;
  /** Milliseconds a new pool connection may take before it fails (the database counts as unavailable). */
  readonly connectTimeoutMs: number;
  /** Milliseconds a call waits for a free pool connection when all are in use before it is refused as busy. */
  readonly poolWaitMs: number;
  /** Most calls waiting for a free pool connection; the next is refused as busy at once. */
  readonly poolQueueMax: number;
  /** Milliseconds one SQL statement may run before PostgreSQL cancels it (uploads are exempt). */
  readonly statementTimeoutMs: number;
  /** How many times start-up tries to reach the database before giving up. */
  readonly dbConnectAttempts: number;
  /** Milliseconds between the `select 1` checks that make readiness follow the database once SERVING. */
  readonly dbHealthIntervalMs: number;
  readonly csvPath: string;
  /** IANA zone that naive CSV timestamps are read in. */
  readonly csvTimeZone: string;
  /** Meter the seed CSV belongs to; also the meter used when a request names none. */
  readonly meterId: string;
  readonly grpcHost: string;
  readonly grpcPort: number;
  /** Port of the Prometheus /metrics endpoint (0 picks a free one). */
  readonly prometheusPort: number;
  readonly logLevel: LogLevel;
  /** Signs page tokens; random per process unless set (set it when replicas share clients). */
  readonly pageTokenSecret: string;
  /** Most ExportReadings streams running at once; each holds a pool connection. */
  readonly maxConcurrentExports: number;
  /** Most IngestReadings uploads running at once; each holds a pool connection and a transaction. */
  readonly maxConcurrentUploads: number;
  /** Milliseconds an upload may send nothing before it is ended and rolled back. */
  readonly uploadIdleTimeoutMs: number;
  /** Most meters one upload may create; a file naming more is refused before anything is written. */
  readonly maxNewMetersPerUpload: number;
  /** LINEAR estimation's longest gap filled, in intervals, when a request names none. */
  readonly estimateMaxGapIntervals: number;
  /** Milliseconds in-flight calls get to finish after SIGTERM before they are cancelled. */
  readonly shutdownGraceMs: number;
  /** Milliseconds a stream over its limit waits for a slot before it is refused. */
  readonly streamSlotWaitMs: number;
  /** Admission of AggregateUsage answers (query, mapping and encoding), weighted by their buckets. */
  readonly usageAdmission: UsageAdmissionConfig;
  /** TLS for the gRPC port; undefined = plaintext (local use, or TLS ended by a proxy). */
  readonly tls: GrpcServerTls | undefined;
  /** Access control: AUTH_MODE and its companions. */
  readonly access: AccessConfig;
}

export interface AccessConfig {
  /** AUTH_MODE (unset: off on a loopback GRPC_HOST, else keys). */
  readonly auth: AuthModeSetting;
  /** Milliseconds a key's row is used before it is read again: the longest a revocation takes to reach this server (AUTH_KEY_CACHE_MS). */
  readonly keyCacheMs: number;
  /** Milliseconds an UNAUTHENTICATED answer waits (AUTH_FAILURE_DELAY_MS). */
  readonly failureDelayMs: number;
  /** INGEST_TOKEN (deprecated): accepted as a write key for every meter. */
  readonly legacyIngestToken: string | undefined;
}

export interface UsageAdmissionConfig {
  /** Most buckets of AggregateUsage answers in progress at once (USAGE_ADMISSION_BUCKETS). */
  readonly buckets: number;
  /** Most calls waiting for room; the next is refused as busy at once (USAGE_ADMISSION_QUEUE_MAX). */
  readonly queueMax: number;
  /** Most milliseconds a call waits for room before it is refused as busy (USAGE_ADMISSION_WAIT_MS; server.ts spreads refusals over its last half). */
  readonly waitMs: number;
}

/** PEM contents of the server's certificate chain and key, and optionally the CA that client certificates must chain to. */
export interface GrpcServerTls {
  readonly certificateChain: Buffer;
  readonly privateKey: Buffer;
  /** When set, clients must present a certificate this CA signed (mutual TLS). */
  readonly clientCa: Buffer | undefined;
}

/** MAX_NEW_METERS_PER_UPLOAD when unset: far above a fleet's daily growth, far below what makes one upload slow. */
export const DEFAULT_MAX_NEW_METERS_PER_UPLOAD = 1000;

/** ESTIMATE_MAX_GAP_INTERVALS when unset: two hours of 15-minute intervals; a longer gap is no straight line. */
export const DEFAULT_ESTIMATE_MAX_GAP_INTERVALS = 8;

/** DB_POOL_WAIT_MS when unset: well inside the gateway's 10 s deadline, long enough to ride out a burst (see the README's measurements). */
export const DEFAULT_POOL_WAIT_MS = 1000;
/** DB_POOL_QUEUE_MAX when unset. */
export const DEFAULT_POOL_QUEUE_MAX = 100;

/**
 * USAGE_ADMISSION_* when unset (see the README's measurements): one year of one meter in 15-minute
 * buckets (35,040) at a time, with room beside it for the smaller answers of everyday use (a year
 * by hour is 8,760). The queue holds as many calls as one gateway connection can have open (HTTP/2
 * streams, SERVER_OPTIONS), so a flood from clients that ignore Retry-After waits out its 2 s and
 * is refused at that pace, rather than being refused at once and sent again at once, spending on
 * refusals the CPU the admitted answers and the health probes need; 2 s leaves an admitted call
 * most of the gateway's 10 s deadline.
 */
export const DEFAULT_USAGE_ADMISSION: UsageAdmissionConfig = Object.freeze({ buckets: 40_000, queueMax: 256, waitMs: 2_000 });

/** Reads and validates the process environment once; the result is frozen. */
export function loadServerConfig(env: Env = process.env, cwd = process.cwd()): ServerConfig {
  const reader = new EnvReader(env);

  const databaseUrl = reader.optionalString('DATABASE_URL');
  const dbHost = reader.optionalString('DB_HOST');
  const dbPort = reader.port('DB_PORT', 5432);
  const dbName = reader.string('DB_NAME', 'meterusage');
  const dbUser = reader.string('DB_USER', 'postgres');
  const dbPass = env.DB_PASS ?? '';
  const poolMin = reader.integer('DB_POOL_MIN_CONN', 1, { min: 0, max: 100 });
  const poolMax = reader.integer('DB_POOL_MAX_CONN', 10, { min: 1, max: 100 });
  if (poolMin > poolMax) {
    reader.problem(`DB_POOL_MIN_CONN (${poolMin}) must not exceed DB_POOL_MAX_CONN (${poolMax})`);
  }
  const maxConcurrentExports = reader.integer('MAX_CONCURRENT_EXPORTS', 4, { min: 1, max: 100 });
  const maxConcurrentUploads = reader.integer('MAX_CONCURRENT_UPLOADS', 2, { min: 1, max: 100 });
  if (maxConcurrentExports + maxConcurrentUploads >= poolMax) {
    reader.problem(
      `MAX_CONCURRENT_EXPORTS + MAX_CONCURRENT_UPLOADS (${maxConcurrentExports} + ${maxConcurrentUploads}) must be below DB_POOL_MAX_CONN (${poolMax}), so that queries always find a connection`,
    );
  }
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    reader.problem('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }

  // Loopback unless told otherwise: reachable from elsewhere only by choice, and with keys (AUTH_MODE).
  const grpcHost = reader.string('GRPC_HOST', '127.0.0.1');
  const database: DatabaseTarget =
    databaseUrl !== undefined
      ? { kind: 'external', connectionString: databaseUrl, description: describeUrl(databaseUrl) }
      : dbHost !== undefined
        ? {
            kind: 'external',
            connectionString: buildConnectionString(dbHost, dbPort, dbName, dbUser, dbPass),
            description: `${dbUser}@${dbHost}:${dbPort}/${dbName}`,
          }
        : {
            kind: 'embedded',
            dataDir: path.resolve(cwd, reader.string('EMBEDDED_DB_DIR', '.data/postgres')),
            port: reader.port('EMBEDDED_DB_PORT', 54329),
          };

  const config: ServerConfig = {
    database,
    poolMin,
    poolMax,
    connectTimeoutMs: reader.integer('DB_CONNECT_TIMEOUT_MS', 5000, { min: 100, max: 600_000 }),
    poolWaitMs: reader.integer('DB_POOL_WAIT_MS', DEFAULT_POOL_WAIT_MS, { min: 0, max: 600_000 }),
    poolQueueMax: reader.integer('DB_POOL_QUEUE_MAX', DEFAULT_POOL_QUEUE_MAX, { min: 0, max: 100_000 }),
    statementTimeoutMs: reader.integer('DB_STATEMENT_TIMEOUT_MS', 30_000, { min: 100, max: 3_600_000 }),
    dbConnectAttempts: reader.integer('DB_CONNECT_ATTEMPTS', 10, { min: 1, max: 1000 }),
    dbHealthIntervalMs: reader.integer('DB_HEALTH_INTERVAL_MS', 5000, { min: 100, max: 600_000 }),
    csvPath: path.resolve(cwd, reader.string('CSV_PATH', 'meterusage.csv')),
    csvTimeZone: reader.timeZone('CSV_TIMEZONE', 'UTC'),
    meterId: reader.meterId('METER_ID', 'meter-1'),
    grpcHost,
    grpcPort: reader.port('GRPC_PORT', 50051, { allowZero: true }),
    prometheusPort: reader.port('METRICS_PORT', 9464, { allowZero: true }),
    logLevel: reader.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    pageTokenSecret: reader.string('PAGE_TOKEN_SECRET', randomBytes(32).toString('hex')),
    maxConcurrentExports,
    maxConcurrentUploads,
    uploadIdleTimeoutMs: reader.integer('UPLOAD_IDLE_TIMEOUT_MS', 60_000, { min: 1000, max: 3_600_000 }),
    maxNewMetersPerUpload: reader.integer('MAX_NEW_METERS_PER_UPLOAD', DEFAULT_MAX_NEW_METERS_PER_UPLOAD, { min: 1, max: 10_000_000 }),
    estimateMaxGapIntervals: reader.integer('ESTIMATE_MAX_GAP_INTERVALS', DEFAULT_ESTIMATE_MAX_GAP_INTERVALS, { min: 1, max: 10_000 }),
    shutdownGraceMs: reader.integer('SHUTDOWN_GRACE_MS', 10_000, { min: 0, max: 3_600_000 }),
    streamSlotWaitMs: reader.integer('STREAM_SLOT_WAIT_MS', 2000, { min: 0, max: 600_000 }),
    usageAdmission: Object.freeze({
      buckets: reader.integer('USAGE_ADMISSION_BUCKETS', DEFAULT_USAGE_ADMISSION.buckets, { min: 1, max: 100_000_000 }),
      queueMax: reader.integer('USAGE_ADMISSION_QUEUE_MAX', DEFAULT_USAGE_ADMISSION.queueMax, { min: 0, max: 100_000 }),
      waitMs: reader.integer('USAGE_ADMISSION_WAIT_MS', DEFAULT_USAGE_ADMISSION.waitMs, { min: 0, max: 600_000 }),
    }),
    tls: readTls(reader),
    access: readAccess(reader, grpcHost),
  };
  reader.throwIfInvalid();
  return Object.freeze(config);
}

function readAccess(reader: EnvReader, grpcHost: string): AccessConfig {
  const legacyIngestToken = reader.optionalString('INGEST_TOKEN');
  if (legacyIngestToken !== undefined && legacyIngestToken.length < 16) reader.problem('INGEST_TOKEN must be at least 16 characters long');
  return Object.freeze({
    auth: readAuthMode(reader, grpcHost),
    keyCacheMs: reader.integer('AUTH_KEY_CACHE_MS', 2000, { min: 0, max: 10_000 }),
    failureDelayMs: reader.integer('AUTH_FAILURE_DELAY_MS', 500, { min: 0, max: 10_000 }),
    legacyIngestToken,
  });
}

function readTls(reader: EnvReader): GrpcServerTls | undefined {
  const certificateChain = reader.optionalFile('GRPC_TLS_CERT');
  const privateKey = reader.optionalFile('GRPC_TLS_KEY');
  const clientCa = reader.optionalFile('GRPC_TLS_CLIENT_CA');
  const certSet = reader.optionalString('GRPC_TLS_CERT') !== undefined;
  const keySet = reader.optionalString('GRPC_TLS_KEY') !== undefined;
  if (certSet !== keySet) reader.problem('GRPC_TLS_CERT and GRPC_TLS_KEY must be set together (PEM files of the certificate chain and its key)');
  if (reader.optionalString('GRPC_TLS_CLIENT_CA') !== undefined && !certSet) reader.problem('GRPC_TLS_CLIENT_CA needs GRPC_TLS_CERT and GRPC_TLS_KEY');
  if (certificateChain === undefined || privateKey === undefined) return undefined;
  return Object.freeze({ certificateChain, privateKey, clientCa });
}

function buildConnectionString(host: string, port: number, name: string, user: string, pass: string): string {
  const credentials = pass === '' ? encodeURIComponent(user) : `${encodeURIComponent(user)}:${encodeURIComponent(pass)}`;
  return `postgresql://${credentials}@${host}:${port}/${encodeURIComponent(name)}`;
}

/** The URL without its password, fit for logs. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}
