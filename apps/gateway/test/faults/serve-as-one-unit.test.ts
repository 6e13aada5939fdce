import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { freePort, scratchDirectory, startApp, startGrpcServer, WORKSPACE_ROOT, type LogLine } from '@meterusage/testing';

// Real processes on a busy 2-core machine: every start includes tsx compiling both apps.
jest.setTimeout(180_000);

const SERVE_SCRIPT = path.join(WORKSPACE_ROOT, 'apps', 'gateway', 'scripts', 'serve.ts');

interface Serve {
  pid: number;
  lines: string[];
  logs: LogLine[];
  exited: Promise<number | null>;
  /** The process itself ended ('exit': unlike 'close', not held by children still writing to its pipes), and how. */
  ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLog(matches: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
}

/** The serve script as `pnpm nx serve gateway` runs it. */
const SERVE_SCRIPT_COMMAND = [process.execPath, '--require', require.resolve('tsx/cjs'), SERVE_SCRIPT];

/** Runs command (the serve script by default), in a process group of its own (a terminal's foreground group). */
function startServe(env: Record<string, string>, [command, ...args] = SERVE_SCRIPT_COMMAND): Serve {
  const child = spawn(command!, args, {
    cwd: WORKSPACE_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const lines: string[] = [];
  const logs: LogLine[] = [];
  const collect = (buffer: { rest: string }) => (chunk: Buffer) => {
    const parts = (buffer.rest + chunk.toString('utf8')).split('\n');
    buffer.rest = parts.pop() ?? '';
    for (const text of parts) {
      lines.push(text);
      try {
        if (text.startsWith('{')) logs.push(JSON.parse(text) as LogLine);
      } catch {
        // not a log line
      }
    }
  };
  child.stdout.on('data', collect({ rest: '' }));
  child.stderr.on('data', collect({ rest: '' }));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    pid: child.pid!,
    lines,
    logs,
    exited,
    ended,
    async waitForLog(matches, timeoutMs = 120_000) {
      const startedAt = Date.now();
      for (;;) {
        const line = logs.find(matches);
        if (line) return line;
        if (child.exitCode !== null || Date.now() - startedAt > timeoutMs) throw new Error(`no such log line; output:\n${lines.join('\n')}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
}

/** Pids of running processes whose command line mentions text (postgres of a data directory, say). */
function processesMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false;
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function portsFor(dataDir: string): Promise<Record<string, string>> {
  const grpcPort = await freePort();
  return {
    EMBEDDED_DB_DIR: dataDir,
    EMBEDDED_DB_PORT: String(await freePort()),
    GRPC_HOST: '127.0.0.1',
    GRPC_PORT: String(grpcPort),
    METRICS_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: String(await freePort()),
    GRPC_TARGET: `127.0.0.1:${grpcPort}`,
  };
}

/** Both apps gone, and their embedded PostgreSQL shut down by grpc-server (not cut off by a signal). */
function expectStoppedCleanly(appPids: number[], dataDir: string): void {
  expect(appPids.filter(isAlive)).toEqual([]);
  expect(processesMentioning(dataDir)).toEqual([]);
  expect(existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(false);
  const postgresLog = readFileSync(path.join(dataDir, 'log', 'postgres.log'), 'utf8');
  expect(postgresLog).toContain('database system is shut down');
  expect(postgresLog).not.toContain('administrator command');
}

describe('pnpm nx serve gateway (apps/gateway/scripts/serve.ts) as one unit', () => {
  let blocker: Server | undefined;
  afterEach(() => blocker?.close());

  /** Holds a port the way another program would, so the app configured to use it cannot. */
  async function takePort(port: string): Promise<void> {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(Number(port), '127.0.0.1', resolve));
  }

  const lastLineOf = (serve: Serve) => JSON.parse(serve.lines.filter((line) => line.trim() !== '').at(-1)!) as LogLine;

  it('exits non-zero when grpc-server cannot start (embedded port taken), its fatal message last', async () => {
    const env = await portsFor(path.join(scratchDirectory('serve-port-taken'), 'postgres'));
    await takePort(env.EMBEDDED_DB_PORT!);

    const serve = startServe(env);
    const code = await serve.exited;

    expect(code).toBe(1);
    const last = lastLineOf(serve);
    expect(last).toMatchObject({ name: 'serve', level: 60, app: 'grpc-server' });
    expect(last.msg).toContain(`embedded PostgreSQL did not start on port ${env.EMBEDDED_DB_PORT}`);
    expect(last.msg).toContain('Address already in use');
    expect(serve.logs.some((line) => line.name === 'gateway')).toBe(false);
    expect(processesMentioning(env.EMBEDDED_DB_DIR!)).toEqual([]);
  });

  it('exits non-zero when the gateway cannot listen (HTTP port taken), stopping grpc-server and its PostgreSQL cleanly', async () => {
    const env = await portsFor(path.join(scratchDirectory('serve-http-taken'), 'postgres'));
    await takePort(env.HTTP_PORT!);

    const serve = startServe(env);
    const code = await serve.exited;

    expect(code).toBe(1);
    const last = lastLineOf(serve);
    expect(last).toMatchObject({ name: 'serve', level: 60, app: 'gateway' });
    expect(last.msg).toContain(`cannot listen on 127.0.0.1:${env.HTTP_PORT}`);
    expect(serve.logs.some((line) => line.name === 'grpc-server' && line.msg === 'stopped')).toBe(true);
    expect(existsSync(path.join(env.EMBEDDED_DB_DIR!, 'postmaster.pid'))).toBe(false);
    expect(processesMentioning(env.EMBEDDED_DB_DIR!)).toEqual([]);
  });

  it('stops everything on SIGINT to its process group (Ctrl-C): exit 0, grpc-server drained before PostgreSQL stopped', async () => {
    const env = await portsFor(path.join(scratchDirectory('serve-ctrl-c'), 'postgres'));
    const serve = startServe(env);
    await serve.waitForLog((line) => line.name === 'gateway' && String(line.msg).startsWith('dashboard at'));
    const metrics = await fetch(`http://127.0.0.1:${env.HTTP_PORT}/api/metrics`);
    expect(metrics.status).toBe(200);
    const appPids = [...new Set(serve.logs.filter((line) => line.name !== 'serve').map((line) => line.pid as number))];
    expect(appPids).toHaveLength(2);

    process.kill(-serve.pid, 'SIGINT');
    const code = await serve.exited;

    expect(code).toBe(0);
    expectStoppedCleanly(appPids, env.EMBEDDED_DB_DIR!);
    expect(serve.logs.at(-1)).toMatchObject({ name: 'serve', msg: 'stopped' });
  });

  it('returns from the documented `pnpm nx serve gateway` on Ctrl-C only once everything stopped, with the interrupted status 130', async () => {
    // No GRPC_TARGET: the gateway must find the grpc-server of GRPC_PORT by itself.
    const { GRPC_TARGET: _target, ...env } = await portsFor(path.join(scratchDirectory('serve-nx-ctrl-c'), 'postgres'));
    const serve = startServe({ ...env, NX_DAEMON: 'false', NX_TUI: 'false', NX_NO_CLOUD: 'true' }, ['pnpm', 'nx', 'serve', 'gateway']);
    await serve.waitForLog((line) => line.name === 'gateway' && String(line.msg).startsWith('dashboard at'));
    const readiness = await fetch(`http://127.0.0.1:${env.HTTP_PORT}/readyz`);
    expect(readiness.status).toBe(200);
    const appPids = [...new Set(serve.logs.filter((line) => line.name === 'grpc-server' || line.name === 'gateway').map((line) => line.pid as number))];
    expect(appPids).toHaveLength(2);

    process.kill(-serve.pid, 'SIGINT');
    const ended = await serve.ended;

    // Checked the moment the command returned (the shell's prompt): nothing of it may still be running.
    expectStoppedCleanly(appPids, env.EMBEDDED_DB_DIR!);
    // pnpm waits for its script (the root package.json's "nx") and then ends by the signal itself, so
    // the shell shows 130 as for any command stopped by Ctrl-C. Run as a binary instead, pnpm died of
    // the signal at once, giving the prompt back while Nx was still stopping the apps.
    expect(ended).toEqual({ code: null, signal: 'SIGINT' });
  });
});

describe('grpc-server after a SIGKILL', () => {
  it('stops the embedded PostgreSQL its killed run left behind and starts on the same data directory', async () => {
    const dataDir = path.join(scratchDirectory('embedded-leftover'), 'postgres');
    const env = { EMBEDDED_DB_DIR: dataDir, EMBEDDED_DB_PORT: String(await freePort()) };
    const first = await startGrpcServer(env);
    await first.stop('SIGKILL');
    const [leftover] = processesMentioning(dataDir);
    expect(leftover).toBeDefined();

    const second = await startGrpcServer(env);
    try {
      expect(second.logs.find((line) => line.level === 40 && line.postgresPid === leftover)?.msg).toBe(
        `stopping the embedded PostgreSQL an earlier run left behind (pid ${leftover}, port ${env.EMBEDDED_DB_PORT})`,
      );
      const now = processesMentioning(dataDir);
      expect(now).toHaveLength(1);
      expect(now).not.toContain(leftover);
    } finally {
      expect(await second.stop('SIGTERM')).toBe(0);
    }
    expect(processesMentioning(dataDir)).toEqual([]);
    expect(existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(false);
  });

  it('refuses a second grpc-server on a data directory a live one uses, leaving the first serving', async () => {
    const dataDir = path.join(scratchDirectory('embedded-in-use'), 'postgres');
    const env = { EMBEDDED_DB_DIR: dataDir, EMBEDDED_DB_PORT: String(await freePort()) };
    const first = await startGrpcServer(env);
    try {
      const [postgres] = processesMentioning(dataDir);
      const second = startApp('grpc-server', { ...env, GRPC_PORT: '0', METRICS_PORT: '0' });
      expect(await second.exited).toBe(1);
      expect(second.output.join('\n')).toContain(`another grpc-server (pid ${first.child.pid}) uses the embedded PostgreSQL in`);
      // The first one's database was not touched: same postgres, still answering.
      expect(processesMentioning(dataDir)).toEqual([postgres]);
      await first.waitForLog((line) => line.msg === 'SERVING');
    } finally {
      expect(await first.stop('SIGTERM')).toBe(0);
    }
    expect(processesMentioning(dataDir)).toEqual([]);
  });
});
