import { loadConfigOrExit } from '@meterusage/config';
import pino from 'pino';
import { buildApp } from './app';
import { loadGatewayConfig } from './config';

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
  } catch (error) {
    app.log.fatal({ err: error }, `cannot listen on ${config.httpHost}:${config.httpPort}: ${(error as Error).message}`);
    await app.close();
    process.exit(1);
  }
}

void main();
