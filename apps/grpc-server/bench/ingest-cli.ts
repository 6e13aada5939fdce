// One run of the ingest CLI (apps/grpc-server/src/cli/ingest.ts) as its own Node process, the way a
// user runs it, with the memory of that process and of grpc-server while it runs.
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { IngestReport } from '@meterusage/contracts';
import { processMemoryMb, resetPeakMemory, sampleMemory, WORKSPACE_ROOT, type AppProcess, type MemorySamples } from '@meterusage/testing';

const CLI = path.join(WORKSPACE_ROOT, 'apps', 'grpc-server', 'src', 'cli', 'ingest.ts');
// Every 20 ms: the CLI lives a few seconds and its VmHWM can only be read while it runs.
const SAMPLE_EVERY_MS = 20;

/** The CLI's --json line: the upload's report with the meter and the CLI's own time. */
export type CliReport = Pick<IngestReport, 'committed' | 'accepted' | 'inserted' | 'updated' | 'unchanged' | 'skipped' | 'rejected'> & {
  meterId: string;
  /** The CLI's own time from opening the call to the report (no process start-up), in s. */
  seconds: number;
};

export interface CliRun {
  /** Wall time of the CLI process, from spawn to exit, in ms. */
  wallMs: number;
  report: CliReport;
  /** grpc-server's own time for the upload (its 'ingest committed' log line), in ms. */
  serverMs: number;
  cli: MemorySamples;
  /** grpc-server during the run: sampled VmRSS, and VmHWM (reset before the run when the kernel allows). */
  server: MemorySamples & { rssBeforeMb: number; peakIsSinceStart: boolean };
}

export interface CliTarget {
  grpcServer: AppProcess & { port: number };
  /** Write a .cpuprofile of every CLI process here. */
  cpuProfileDir: string | undefined;
}

/** Streams `file` into `meterId` through the CLI; resolves when the process has exited. Fails on any non-zero exit. */
export async function runIngestCli(target: CliTarget, file: string, meterId: string): Promise<CliRun> {
  const serverPid = target.grpcServer.child.pid!;
  const logsBefore = target.grpcServer.logs.length;
  const rssBeforeMb = processMemoryMb(serverPid).rss;
  const peakIsSinceStart = !resetPeakMemory(serverPid);
  const serverSampler = sampleMemory(serverPid, SAMPLE_EVERY_MS);

  const spawnedAt = performance.now();
  const profile = target.cpuProfileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${path.resolve(target.cpuProfileDir)}`];
  const child = spawn(
    process.execPath,
    [
      ...profile,
      '--conditions=@meterusage/source',
      '--require',
      require.resolve('tsx/cjs'),
      CLI,
      ...['--file', file, '--meter', meterId, '--target', `127.0.0.1:${target.grpcServer.port}`, '--json'],
    ],
    { cwd: WORKSPACE_ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const cliSampler = sampleMemory(child.pid!, SAMPLE_EVERY_MS);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode) => resolve(exitCode));
  });
  const wallMs = performance.now() - spawnedAt;
  const cli = cliSampler.stop();
  const server = { ...serverSampler.stop(), rssBeforeMb, peakIsSinceStart };
  if (code !== 0) throw new Error(`functional failure: the ingest CLI exited with ${code}:\n${stderr.trim()}`);

  const line = stdout.split('\n').find((text) => text.startsWith('{'));
  if (line === undefined) throw new Error(`functional failure: the ingest CLI printed no --json report:\n${stdout}\n${stderr}`);
  const report = JSON.parse(line) as CliReport;
  const logged = await target.grpcServer.waitForLog((entry) => entry.msg === 'ingest committed' && target.grpcServer.logs.indexOf(entry) >= logsBefore, 10_000);
  return { wallMs, report, serverMs: Number(logged.ms), cli, server };
}
