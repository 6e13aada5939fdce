// The original Python design (../shared/peers/seed-python: grpcio + psycopg2 + a stdlib HTTP
// server, its own PostgreSQL cluster on 54330) started and stopped with its own scripts, so the
// comparison runs it exactly as its README says.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { WORKSPACE_ROOT } from '@meterusage/testing';

const run = promisify(execFile);

export interface SeedPythonPeer {
  url: string;
  /** Process ids of its frontend, grpc-server and PostgreSQL postmaster. */
  pids: Record<'frontend' | 'grpc-server' | 'postgres', number>;
  stop(): Promise<void>;
}

/** Where the peer is: SEED_PYTHON_DIR, else ../shared/peers/seed-python next to the workspace. */
export function seedPythonDirectory(): string {
  return process.env.SEED_PYTHON_DIR ?? path.resolve(WORKSPACE_ROOT, '..', 'shared', 'peers', 'seed-python');
}

/** Why the peer cannot run here, or undefined when it can. */
export function seedPythonMissing(directory: string): string | undefined {
  if (!existsSync(path.join(directory, 'run.sh'))) return `no seed-python peer at ${directory} (set SEED_PYTHON_DIR)`;
  const modules = ['grpc', 'grpc_tools', 'psycopg2', 'google.protobuf'];
  for (const module of modules) {
    try {
      execFileSync('/usr/bin/python3', ['-c', `import ${module}`], { stdio: 'ignore' });
    } catch {
      return `the peer needs Python's ${module}: apt-get install -y --no-install-recommends python3-grpcio python3-grpc-tools python3-psycopg2 python3-protobuf`;
    }
  }
  return undefined;
}

/** Runs the peer's run.sh (its own cluster, seeded from the sample) in a run folder of this bench. */
export async function startSeedPython(directory: string): Promise<SeedPythonPeer> {
  const runDirectory = path.join(tmpdir(), 'meterusage-compare-seed-python');
  const env = { ...process.env, PEER_RUN_DIR: runDirectory };
  const stop = async () => {
    await run(path.join(directory, 'stop.sh'), ['--clean'], { env }).catch(() => undefined);
  };
  try {
    await run(path.join(directory, 'run.sh'), [], { env, timeout: 180_000 });
  } catch (error) {
    await stop();
    throw new Error(`seed-python did not start: ${(error as { stderr?: string }).stderr ?? (error as Error).message}`);
  }
  const pid = (name: string) => Number(readFileSync(path.join(runDirectory, `${name}.pid`), 'utf8').trim());
  return { url: 'http://127.0.0.1:8010/api/metrics', pids: { frontend: pid('frontend'), 'grpc-server': pid('grpc-server'), postgres: pid('postgres') }, stop };
}
