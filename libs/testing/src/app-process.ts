import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const WORKSPACE_ROOT = path.resolve(__dirname, '..', '..', '..');

/** A log line of an app (pino JSON), with its message and fields. */
export type LogLine = Record<string, unknown> & { msg?: string };

export interface AppProcess {
  child: ChildProcess;
  /** Every stdout/stderr line so far, for assertions and failure messages. */
  output: string[];
  /** Log lines parsed from JSON stdout. */
  logs: LogLine[];
  /** Resolves with the exit code once the process ends by itself or by a signal (then null). */
  exited: Promise<number | null>;
  /** Sends a signal and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves when a log line matches. */
  waitForLog(matches: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
}

/**
 * Starts apps/<app>/src/main.ts as a real Node process (TypeScript through tsx, workspace libs
 * from source), with the given environment on top of a minimal one.
 */
export function startApp(app: 'grpc-server' | 'gateway', env: Record<string, string>): AppProcess {
  const main = path.join(WORKSPACE_ROOT, 'apps', app, 'src', 'main.ts');
  return startNodeProcess(app, ['--conditions=@meterusage/source', '--require', require.resolve('tsx/cjs'), main], WORKSPACE_ROOT, env);
}

// Children still running when this process exits (a crashed bench, a test runner that gives up)
// would outlive it holding ports and database connections: they are killed with it.
const liveChildren = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

/** Starts `node <args>` in cwd as a real process (e.g. a built app's dist/main.js), with env on top of a minimal one. */
export function startNodeProcess(app: string, args: string[], cwd: string, env: Record<string, string>): AppProcess {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const logs: LogLine[] = [];
  const listeners = new Set<(line: LogLine) => void>();
  liveChildren.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      liveChildren.delete(child);
      resolve(code);
    }),
  );

  const collect = (chunk: Buffer, buffer: { rest: string }) => {
    const lines = (buffer.rest + chunk.toString('utf8')).split('\n');
    buffer.rest = lines.pop() ?? '';
    for (const text of lines) {
      output.push(text);
      if (!text.startsWith('{')) continue;
      try {
        const line = JSON.parse(text) as LogLine;
        logs.push(line);
        for (const listener of listeners) listener(line);
      } catch {
        // not a log line
      }
    }
  };
  const stdoutBuffer = { rest: '' };
  const stderrBuffer = { rest: '' };
  child.stdout?.on('data', (chunk: Buffer) => collect(chunk, stdoutBuffer));
  child.stderr?.on('data', (chunk: Buffer) => collect(chunk, stderrBuffer));

  return {
    child,
    output,
    logs,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    waitForLog(matches, timeoutMs = 60_000) {
      const earlier = logs.find(matches);
      if (earlier) return Promise.resolve(earlier);
      return new Promise((resolve, reject) => {
        const finish = (error?: Error, line?: LogLine) => {
          clearTimeout(timer);
          listeners.delete(listener);
          if (error) reject(error);
          else resolve(line!);
        };
        const listener = (line: LogLine) => {
          if (matches(line)) finish(undefined, line);
        };
        const timer = setTimeout(() => finish(new Error(`${app}: no matching log line in ${timeoutMs} ms:\n${output.join('\n')}`)), timeoutMs);
        listeners.add(listener);
        void exited.then((code) => finish(new Error(`${app} exited with ${code} before the expected log line:\n${output.join('\n')}`)));
      });
    },
  };
}

/**
 * Starts grpc-server (from source, or through `launch`, e.g. a production build) and resolves once
 * it reports SERVING, with the port it bound (GRPC_PORT=0 picks a free one).
 */
export async function startGrpcServer(
  env: Record<string, string>,
  launch: (env: Record<string, string>) => AppProcess = (appEnv) => startApp('grpc-server', appEnv),
): Promise<AppProcess & { port: number }> {
  const server = launch({ GRPC_PORT: '0', GRPC_HOST: '127.0.0.1', METRICS_PORT: '0', ...env });
  try {
    const listening = await server.waitForLog((line) => typeof line.port === 'number' && String(line.msg).startsWith('gRPC listening'));
    await server.waitForLog((line) => line.msg === 'SERVING');
    return Object.assign(server, { port: listening.port as number });
  } catch (error) {
    await server.stop('SIGKILL');
    throw error;
  }
}
