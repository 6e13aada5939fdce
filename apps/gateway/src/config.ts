import { EnvReader, LOG_LEVELS, readAuthMode, type AuthModeSetting, type Env, type LogLevel } from '@meterusage/config';

export interface GatewayConfig {
  readonly httpHost: string;
  readonly httpPort: number;
  /** host:port of grpc-server. */
  readonly grpcTarget: string;
  /** TLS towards grpc-server; undefined = plaintext. */
  readonly grpcTls: GrpcClientTls | undefined;
  /** Deadline of every gRPC call, in milliseconds. */
  readonly grpcDeadlineMs: number;
  /** Deadline of a streamed call (an export download or a CSV upload of any size), in milliseconds. */
  readonly grpcStreamDeadlineMs: number;
  /** Largest CSV upload accepted by POST /api/readings, in bytes. */
  readonly ingestBodyLimitBytes: number;
  /** Deprecated: with AUTH_MODE=off, the bearer token POST /api/readings requires; undefined = uploads are open (local use). */
  readonly ingestToken: string | undefined;
  /** AUTH_MODE (unset: off on a loopback HTTP_HOST, else keys): with keys, grpc-server checks the caller's key on every call. */
  readonly auth: AuthModeSetting;
  /** Requests per minute per client address; 0 = no limit. */
  readonly rateLimitPerMinute: number;
  /** Requests per minute per API key (per Authorization value); 0 = no limit. */
  readonly rateLimitPerKeyPerMinute: number;
  /** Bytes of finished answers kept in memory by URL and data version; 0 = none kept (ETags and 304 still). */
  readonly answerCacheMaxBytes: number;
  readonly logLevel: LogLevel;
}

/** How the gateway verifies grpc-server (and, for mutual TLS, proves itself). */
export interface GrpcClientTls {
  /** PEM CA that signed grpc-server's certificate; undefined = the system's trusted roots. */
  readonly ca: Buffer | undefined;
  /** PEM client certificate and key, for a grpc-server that requires them (mutual TLS). */
  readonly certificateChain: Buffer | undefined;
  readonly privateKey: Buffer | undefined;
  /** Name to expect in grpc-server's certificate when it differs from GRPC_TARGET's host. */
  readonly serverName: string | undefined;
}

/** Reads and validates the gateway's environment once; the result is frozen. */
export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  const reader = new EnvReader(env);
  const grpcTarget = reader.string('GRPC_TARGET', 'localhost:50051');
  if (!/^(dns:|unix:|ipv4:|ipv6:)?[^\s/]+(:\d{1,5})?$/.test(grpcTarget)) {
    reader.problem(`GRPC_TARGET must be host:port (e.g. localhost:50051), got "${grpcTarget}"`);
  }
  // Loopback unless told otherwise: reachable from elsewhere only by choice, and with keys (AUTH_MODE).
  const httpHost = reader.string('HTTP_HOST', '127.0.0.1');
  const config: GatewayConfig = {
    httpHost,
    httpPort: reader.port('HTTP_PORT', 8000, { allowZero: true }),
    grpcTarget,
    grpcTls: readTls(reader),
    grpcDeadlineMs: reader.integer('GRPC_DEADLINE_MS', 10_000, { min: 100, max: 600_000 }),
    grpcStreamDeadlineMs: reader.integer('GRPC_STREAM_DEADLINE_MS', 600_000, { min: 1000, max: 86_400_000 }),
    ingestBodyLimitBytes: reader.integer('INGEST_BODY_LIMIT_BYTES', 64 * 1024 * 1024, { min: 1024, max: 16 * 1024 * 1024 * 1024 }),
    ingestToken: reader.optionalString('INGEST_TOKEN'),
    auth: readAuthMode(reader, httpHost),
    rateLimitPerMinute: reader.integer('RATE_LIMIT_PER_MINUTE', 0, { min: 0, max: 1_000_000 }),
    rateLimitPerKeyPerMinute: reader.integer('RATE_LIMIT_PER_KEY_PER_MINUTE', 0, { min: 0, max: 1_000_000 }),
    answerCacheMaxBytes: reader.integer('ANSWER_CACHE_MAX_BYTES', 64 * 1024 * 1024, { min: 0, max: 16 * 1024 * 1024 * 1024 }),
    logLevel: reader.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
  };
  const token = reader.optionalString('INGEST_TOKEN');
  if (token !== undefined && token.length < 16) reader.problem('INGEST_TOKEN must be at least 16 characters long');
  reader.throwIfInvalid();
  return Object.freeze(config);
}

function readTls(reader: EnvReader): GrpcClientTls | undefined {
  const setting = reader.optionalString('GRPC_TLS');
  const enabled = reader.oneOf('GRPC_TLS', ['true', 'false'], 'false') === 'true';
  const ca = reader.optionalFile('GRPC_TLS_CA');
  const certificateChain = reader.optionalFile('GRPC_TLS_CERT');
  const privateKey = reader.optionalFile('GRPC_TLS_KEY');
  const serverName = reader.optionalString('GRPC_TLS_SERVER_NAME');
  if ((reader.optionalString('GRPC_TLS_CERT') === undefined) !== (reader.optionalString('GRPC_TLS_KEY') === undefined)) {
    reader.problem('GRPC_TLS_CERT and GRPC_TLS_KEY must be set together (the client certificate for mutual TLS and its key)');
  }
  // Naming any TLS file means TLS: a CA or client certificate given with plaintext would be a silent mistake.
  const anyFile = ['GRPC_TLS_CA', 'GRPC_TLS_CERT', 'GRPC_TLS_KEY', 'GRPC_TLS_SERVER_NAME'].some((name) => reader.optionalString(name) !== undefined);
  if (setting === 'false' && anyFile) reader.problem('GRPC_TLS=false contradicts the GRPC_TLS_* files that are set: remove one or the other');
  if (!enabled && !anyFile) return undefined;
  return Object.freeze({ ca, certificateChain, privateKey, serverName });
}
