import { loadConfigOrExit } from '@meterusage/config';
import pino from 'pino';
import { buildApp } from './app';
import { loadGatewayConfig, type GatewayConfig } from './config';
import type { FastifyBaseLogger } from 'fastify';

// Wiring only: config → app → listen; signals close the app (and with it the gRPC clients).

const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  const config = loadConfigOrExit('gateway', () => loadGatewayConfig());
  const logger = pino({ name: 'gateway', level: config.logLevel });
  const app = await buildApp(config, { logger });

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref();
    void app.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  try {
    await app.listen({ host: config.httpHost, port: config.httpPort });
    app.log.info(`dashboard at http://localhost:${config.httpPort}/ ; gRPC backend ${config.grpcTarget}`);
    logAccessMode(app.log, config);
  } catch (error) {
    app.log.fatal({ err: error }, `cannot listen on ${config.httpHost}:${config.httpPort}: ${(error as Error).message}`);
    await app.close();
    process.exit(1);
  }
}

/** What access control the gateway asks for, and the warnings an operator must see at every start. */
function logAccessMode(log: FastifyBaseLogger, config: GatewayConfig): void {
  const { mode, offBeyondLoopback } = config.auth;
  log.info(
    { authMode: mode },
    mode === 'keys' ? 'access: grpc-server checks the API key of every request (AUTH_MODE=keys)' : 'access: as grpc-server decides (AUTH_MODE=off)',
  );
  if (offBeyondLoopback) {
    log.warn(
      { authMode: mode, httpHost: config.httpHost },
      `AUTH_MODE=off while listening on ${config.httpHost}: unless grpc-server runs AUTH_MODE=keys, anyone who can reach this port reads and writes every meter`,
    );
  }
  if (config.ingestToken !== undefined) {
    log.warn(
      { deprecated: 'INGEST_TOKEN' },
      mode === 'keys'
        ? 'INGEST_TOKEN is deprecated and ignored by the gateway with AUTH_MODE=keys: set it on grpc-server (accepted there as a write key for every meter) or, better, create an API key with the write scope (README, Security)'
        : 'INGEST_TOKEN is deprecated and will be removed in the next release: create an API key with the write scope instead (README, Security)',
    );
  }
}

void main();
