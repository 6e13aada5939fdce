import { loadConfigOrExit } from '@meterusage/config';
import { loadServerConfig, type AccessConfig } from './config';
import { openDatabase, type DatabaseHandle } from './db/connection';
import { monitorDatabaseHealth, type DatabaseHealthMonitor } from './db/database-health';
import { EmbeddedPostgresMissingError, startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded-postgres';
import { migrateToLatest } from './db/migrate';
import { hasHourlyRollup, type StorageFeatures } from './db/timescale';
import { DEFAULT_RETRY, waitForDatabase } from './db/wait-for-database';
import { seedFromCsv } from './ingest/seed';
import type { Server } from 'node:http';
import { createLogger, type Logger } from './logger';
import { checkTimeZones } from './usage/time-zone-check';
import { servePrometheus, Telemetry } from './prometheus';
import { bindServer, createMeterUsageServer, type MeterUsageServer } from './server';

// Wiring only: config → logger → database → serve (NOT_SERVING) → wait, migrate, seed → SERVING
// → readiness follows the database's health checks until shutdown.

/** How long closing the pool may take once the calls are over (a connection stuck in a dead query must not hold the exit). */
const POOL_CLOSE_TIMEOUT_MS = 5_000;
/** How long the uploads ended at the end of the grace period may take to roll back before the rest is cancelled. */
const UPLOADS_END_TIMEOUT_MS = 5_000;

interface Running {
  prometheusServer?: Server;
  embedded?: EmbeddedDatabase;
  /** The embedded PostgreSQL while it starts: a shutdown then waits for it and stops what it started. */
  embeddedStarting?: Promise<EmbeddedDatabase>;
  database?: DatabaseHandle;
  grpc?: MeterUsageServer;
  databaseHealth?: DatabaseHealthMonitor;
  /** Set once shutdown (or a failed start) began: start-up must not report SERVING after it. */
  stopping?: boolean;
}

async function main(): Promise<void> {
  const config = loadConfigOrExit('grpc-server', () => loadServerConfig());
  const logger = createLogger(config.logLevel);
  const running: Running = {};
  registerShutdown(running, config.shutdownGraceMs, logger);

  try {
    let connectionString: string;
    if (config.database.kind === 'embedded') {
      running.embeddedStarting = startEmbeddedPostgres(config.database.dataDir, config.database.port, logger);
      running.embedded = await running.embeddedStarting;
      connectionString = running.embedded.connectionString;
      logger.info(
        { database: 'embedded', port: config.database.port, dataDir: config.database.dataDir, postgresLog: running.embedded.logFile },
        `using embedded PostgreSQL 16 on 127.0.0.1:${config.database.port} (data in ${config.database.dataDir}); set DATABASE_URL or DB_HOST to use another server`,
      );
    } else {
      connectionString = config.database.connectionString;
      logger.info({ database: 'external', target: config.database.description }, `using PostgreSQL at ${config.database.description}`);
    }

    running.database = openDatabase({ connectionString, ...config }, logger);
    // Known once the migrations ran; the server, built before that, reads it per call.
    let storage: StorageFeatures = { hourlyRollup: false };
    const telemetry = new Telemetry(running.database.pool);
    running.grpc = createMeterUsageServer({
      database: running.database,
      defaultMeterId: config.meterId,
      defaultTimeZone: config.csvTimeZone,
      pageTokenSecret: config.pageTokenSecret,
      storage: () => storage,
      telemetry,
      logger,
      streamLimits: { ExportReadings: config.maxConcurrentExports, IngestReadings: config.maxConcurrentUploads },
      streamSlotWaitMs: config.streamSlotWaitMs,
      uploadIdleTimeoutMs: config.uploadIdleTimeoutMs,
      maxNewMetersPerUpload: config.maxNewMetersPerUpload,
      estimateMaxGapIntervals: config.estimateMaxGapIntervals,
      usageAdmission: config.usageAdmission,
      access: config.access,
    });
    logAccessMode(logger, config.access, config.grpcHost);
    const port = await bindServer(running.grpc.server, config.grpcHost, config.grpcPort, config.tls);
    const transport = config.tls === undefined ? 'plaintext' : config.tls.clientCa === undefined ? 'TLS' : 'mutual TLS';
    logger.info({ port, transport }, `gRPC listening on ${config.grpcHost}:${port} (${transport}; NOT_SERVING until the database is ready)`);
    const prometheusEndpoint = await servePrometheus(telemetry, config.grpcHost, config.prometheusPort);
    running.prometheusServer = prometheusEndpoint.server;
    // The log field is named after METRICS_PORT, its setting; tooling and the tests read it.
    logger.info({ metricsPort: prometheusEndpoint.port }, `Prometheus metrics at http://${config.grpcHost}:${prometheusEndpoint.port}/metrics`);

    await waitForDatabase(running.database.db, { attempts: config.dbConnectAttempts, ...DEFAULT_RETRY }, logger);
    await migrateToLatest(running.database.db, logger);
    await checkTimeZones(running.database.db, config.csvTimeZone, logger);
    storage = { hourlyRollup: await hasHourlyRollup(running.database.db) };
    logger.info({ storage }, storage.hourlyRollup ? 'TimescaleDB: hypertable, compression and hourly rollup in use' : 'plain PostgreSQL storage');
    await seedFromCsv(running.database, { csvPath: config.csvPath, meterId: config.meterId, timeZone: config.csvTimeZone }, { storage, logger });
    if (running.stopping) return;
    const grpc = running.grpc;
    grpc.setServing(true);
    logger.info('SERVING');
    // Started by the gateway's serve (scripts/serve.ts) with an IPC channel: the gateway starts now.
    if (process.connected) process.send?.({ event: 'serving' });
    running.databaseHealth = monitorDatabaseHealth(
      running.database.pool,
      {
        intervalMs: config.dbHealthIntervalMs,
        onChange: (healthy) => {
          if (!running.stopping) grpc.setServing(healthy);
        },
      },
      logger,
    );
  } catch (error) {
    // A shutdown during start-up closes the pool under it; that shutdown exits (0) once it is done.
    if (running.stopping) return;
    if (error instanceof EmbeddedPostgresMissingError) {
      // A configuration problem, not a failure: exit code 2 as for every other configuration error.
      logger.fatal(error.message);
      await closeAll(running, config.shutdownGraceMs, logger);
      process.exit(2);
    }
    logger.fatal({ err: error }, `start-up failed: ${(error as Error).message}`);
    await closeAll(running, config.shutdownGraceMs, logger);
    process.exit(1);
  }
}

function registerShutdown(running: Running, graceMs: number, logger: Logger): void {
  const stop = (signal: NodeJS.Signals) => {
    // A second signal, or one after a failed start began closing, changes nothing.
    if (running.stopping) return;
    logger.info({ signal }, 'shutting down');
    void closeAll(running, graceMs, logger).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** Whoever opens closes: stop taking calls, let in-flight ones finish, then the pool, then postgres. */
async function closeAll(running: Running, graceMs: number, logger: Logger): Promise<void> {
  running.stopping = true;
  // No check starts from here on, and one in flight no longer touches readiness; it settles before the pool closes.
  const healthStopped = running.databaseHealth?.stop();
  if (running.grpc) {
    const { server, beginShutdown, endHealthWatches, endUploads } = running.grpc;
    beginShutdown(); // NOT_SERVING, and a call arriving from here on is answered UNAVAILABLE "shutting down"
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        logger.warn({ graceMs }, 'grace period over; cancelling remaining calls');
        // Uploads first, with a status that tells their clients to send again; forceShutdown would cut them as CANCELLED.
        void withTimeout(endUploads(), UPLOADS_END_TIMEOUT_MS, () => logger.warn('uploads did not roll back in time; cancelling them')).then(() => {
          server.forceShutdown();
          resolve();
        });
      }, graceMs);
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
      // Watchers have been told NOT_SERVING; an open Watch must not hold the shutdown for the whole grace period.
      endHealthWatches();
    });
  }
  await healthStopped;
  await new Promise<void>((resolve) => (running.prometheusServer ? running.prometheusServer.close(() => resolve()) : resolve()));
  // A connection still checked out (a call stuck past the grace period) must not keep the process alive.
  await withTimeout(running.database?.close(), POOL_CLOSE_TIMEOUT_MS, () => logger.warn('database pool did not close in time; exiting anyway'));
  // A signal during the embedded PostgreSQL's start: let the start finish, then stop what it started.
  const embedded = running.embedded ?? (await running.embeddedStarting?.catch(() => undefined));
  await embedded?.stop();
  logger.info('stopped');
}

async function withTimeout(work: Promise<void> | undefined, ms: number, onTimeout: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      onTimeout();
      resolve();
    }, ms);
  });
  await Promise.race([work ?? Promise.resolve(), timeout]);
  clearTimeout(timer);
}

void main();

/** What access control this server runs, and the warnings an operator must see at every start. */
function logAccessMode(logger: Logger, access: AccessConfig, grpcHost: string): void {
  const { mode, offBeyondLoopback } = access.auth;
  logger.info(
    { authMode: mode, keyCacheMs: access.keyCacheMs },
    mode === 'keys' ? 'access: every call needs an API key (AUTH_MODE=keys)' : 'access: no API key needed (AUTH_MODE=off)',
  );
  if (offBeyondLoopback) {
    logger.warn({ authMode: mode, grpcHost }, `AUTH_MODE=off while listening on ${grpcHost}: anyone who can reach this port reads and writes every meter`);
  }
  if (access.legacyIngestToken !== undefined) {
    logger.warn(
      { deprecated: 'INGEST_TOKEN' },
      'INGEST_TOKEN is deprecated and will be removed in the next release: it is accepted as a write key for every meter; create an API key with the write scope instead (README, Security)',
    );
  }
}
