import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import pino from 'pino';

// `pnpm nx serve gateway`: grpc-server and the gateway as one unit. grpc-server starts first; the
// gateway once grpc-server reports SERVING. If either exits, the other is stopped and the command
// exits non-zero with the failed app's fatal message last. SIGINT/SIGTERM (Ctrl-C signals the
// whole process group) reach both; the command returns once both have stopped, grpc-server after
// draining its calls, closing its pool and stopping its embedded PostgreSQL.

const WORKSPACE_ROOT = path.resolve(__dirname, '..', '..', '..');
type AppName = 'grpc-server' | 'gateway';

// Synchronous: the supervisor logs its fatal line and exits at once; pino's default asynchronous
// stdout could lose that line on a busy machine.
const logger = pino({ name: 'serve' }, pino.destination({ dest: 1, sync: true }));

interface RunningApp {
  name: AppName;
  child: ChildProcess;
  /** Resolves with the exit code once the app ended and its output is forwarded (close, not exit). */
  exited: Promise<number>;
  /** The app's last fatal log message, or its last line on stderr (a configuration error, a crash). */
  lastWords?: string;
}

function startApp(name: AppName): RunningApp {
  const main = path.join(WORKSPACE_ROOT, 'apps', name, 'src', 'main.ts');
  const child = spawn(process.execPath, ['--conditions=@meterusage/source', '--require', require.resolve('tsx/cjs'), main], {
    cwd: WORKSPACE_ROOT,
    env: name === 'gateway' ? gatewayEnvironment(process.env) : process.env,
    // An IPC channel: grpc-server tells when it is SERVING.
    stdio: ['inherit', 'pipe', 'pipe', 'ipc'],
  });
  const app: RunningApp = {
    name,
    child,
    exited: new Promise((resolve) => child.once('close', (code, signal) => resolve(code ?? (signal === null ? 1 : 128 + signalNumber(signal))))),
  };
  forwardLines(child.stdout!, process.stdout, (line) => {
    const fatal = fatalMessageOf(line);
    if (fatal !== undefined) app.lastWords = fatal;
  });
  forwardLines(child.stderr!, process.stderr, (line) => {
    if (line.trim() !== '') app.lastWords = line.trim();
  });
  return app;
}

/**
 * The gateway talks to the grpc-server started beside it: with GRPC_PORT set (and no GRPC_TARGET of
 * its own), that port on localhost rather than the default 50051, which may be another server's.
 */
function gatewayEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const port = env.GRPC_PORT;
  if (env.GRPC_TARGET !== undefined || port === undefined || !/^[1-9]\d*$/.test(port)) return env;
  return { ...env, GRPC_TARGET: `localhost:${port}` };
}

/** Copies a child's output line by line, so lines of the two apps never interleave mid-line. */
function forwardLines(from: NodeJS.ReadableStream, to: NodeJS.WritableStream, onLine: (line: string) => void): void {
  let rest = '';
  from.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString('utf8')).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      to.write(`${line}\n`);
      onLine(line);
    }
  });
  from.on('end', () => {
    if (rest === '') return;
    to.write(`${rest}\n`);
    onLine(rest);
  });
}

/** The message of a pino line at level fatal (60); grpc-server and the gateway put the reason in it. */
function fatalMessageOf(line: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(line) as { level?: number; msg?: string };
    return parsed.level === 60 ? String(parsed.msg) : undefined;
  } catch {
    return undefined;
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? 2 : signal === 'SIGKILL' ? 9 : 15;
}

function isRunning(app: RunningApp): boolean {
  return app.child.exitCode === null && app.child.signalCode === null;
}

function waitForServing(app: RunningApp): Promise<boolean> {
  return new Promise((resolve) => {
    app.child.on('message', (message: { event?: string }) => {
      if (message?.event === 'serving') resolve(true);
    });
    void app.exited.then(() => resolve(false));
  });
}

async function main(): Promise<void> {
  const running: RunningApp[] = [];
  let stopping: NodeJS.Signals | undefined;

  const stopAll = (signal: NodeJS.Signals) => {
    for (const app of running) if (isRunning(app)) app.child.kill(signal);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping !== undefined) {
      logger.info('still stopping: grpc-server drains its calls, then closes its pool and its PostgreSQL');
      return;
    }
    stopping = signal;
    logger.info({ signal }, 'stopping grpc-server and the gateway');
    // A terminal's Ctrl-C has signalled them already; a SIGTERM to this process alone has not.
    stopAll(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const grpcServer = startApp('grpc-server');
  running.push(grpcServer);
  if (await waitForServing(grpcServer)) {
    if (stopping === undefined) {
      running.push(startApp('gateway'));
    }
  }

  // The first app to exit ends the unit. Exit code 0 means it was asked to stop: Nx stops a task by
  // signalling the leaves of its process tree (the apps) before this process.
  const first = await Promise.race(running.map((app) => app.exited.then((code) => ({ app, code }))));
  const failed = stopping === undefined && first.code !== 0 ? first : undefined;
  if (stopping === undefined && failed === undefined) {
    logger.info({ app: first.app.name }, `${first.app.name} stopped; stopping the rest`);
    stopping = 'SIGTERM';
    stopAll('SIGTERM');
  }
  if (failed !== undefined) {
    logger.error({ app: failed.app.name, exitCode: failed.code }, `${failed.app.name} exited with code ${failed.code}; stopping the rest`);
    stopping = 'SIGTERM';
    stopAll('SIGTERM');
  }
  const codes = await Promise.all(running.map((app) => app.exited));

  if (failed !== undefined) {
    const words = failed.app.lastWords ?? `exited with code ${failed.code}`;
    logger.fatal({ app: failed.app.name, exitCode: failed.code }, `${failed.app.name} failed: ${words}`);
    process.exit(failed.code);
  }
  const notClean = running.filter((_app, index) => codes[index] !== 0);
  if (notClean.length > 0) {
    logger.error({ exitCodes: Object.fromEntries(running.map((app, index) => [app.name, codes[index]])) }, 'stopped, not cleanly');
    process.exit(1);
  }
  logger.info('stopped');
  process.exit(0);
}

void main();
