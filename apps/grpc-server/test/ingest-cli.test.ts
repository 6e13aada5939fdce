import { exec, execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, scratchDirectory } from '@meterusage/testing';
import { createApiKey } from '../src/access/api-keys';
import { openMigratedDatabase, type MigratedDatabase } from './support/database';
import { startTestGrpc, type TestGrpc } from './support/grpc';

const run = promisify(execFile);
const runShell = promisify(exec);
const CLI = path.join(__dirname, '..', 'src', 'cli', 'ingest.ts');
const REPOSITORY_ROOT = path.join(__dirname, '..', '..', '..');

/** Runs the CLI as a user would (a separate Node process) and returns its exit code and output. */
async function ingestCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--conditions=@meterusage/source', '--require', require.resolve('tsx/cjs'), CLI, ...args], {
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Runs the README's command line as written, in a shell at the repository root; the server comes from GRPC_TARGET. */
async function documentedCommand(file: string, meter: string, grpcTarget: string): Promise<{ code: number; stderr: string }> {
  const env = { ...process.env, GRPC_TARGET: grpcTarget };
  try {
    const { stderr } = await runShell(`pnpm ingest --file ${file} --meter ${meter}`, { cwd: REPOSITORY_ROOT, env });
    return { code: 0, stderr };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr };
  }
}

describe('the ingest CLI (meterusage-ingest)', () => {
  let handle: MigratedDatabase;
  let grpc: TestGrpc;
  let target: string;
  const dir = scratchDirectory('meterusage-cli');

  beforeAll(async () => {
    handle = await openMigratedDatabase('ingest_cli');
    grpc = await startTestGrpc(handle);
    target = grpc.client.getChannel().getTarget().replace(/^dns:/, '');
  }, 60_000);
  afterAll(async () => {
    await grpc.close();
    await handle.close();
  });

  it('loads a file, prints the report and exits 0', async () => {
    const file = path.join(dir, 'good.csv');
    const rows = Array.from({ length: 1000 }, (_, index) => `${new Date(Date.parse('2020-06-01T00:15:00Z') + index * 900_000).toISOString()},${index}`);
    writeFileSync(file, `time,meterusage\n${rows.join('\n')}\n`);
    const result = await ingestCli(['--file', file, '--meter', 'cli-1', '--target', target, '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ meterId: 'cli-1', committed: true, accepted: 1000, inserted: 1000, rejected: 0 });
    expect(result.stderr).toMatch(/100%/);
    expect(result.stderr).toMatch(/written \(upload \d+\): 1000 accepted \(1000 inserted, 0 updated, 0 unchanged, 0 skipped\), 0 rejected/);
    const again = await ingestCli(['--file', file, '--meter', 'cli-1', '--target', target]);
    expect([again.code, again.stderr]).toEqual([0, expect.stringMatching(/1000 unchanged/)]);
  }, 60_000);

  it('sends METERUSAGE_API_KEY as its credential, and exits 4 when access control refuses the upload', async () => {
    const keyed = await startTestGrpc(handle, 'meter-1', {
      access: { auth: { mode: 'keys', offBeyondLoopback: false }, keyCacheMs: 0, failureDelayMs: 0, legacyIngestToken: undefined },
    });
    try {
      const keyedTarget = keyed.client.getChannel().getTarget().replace(/^dns:/, '');
      const { secret } = await createApiKey(handle.database.db, { name: 'cli-writer', scopes: ['write'], meterGrants: ['cli-key-*'], expiresAt: undefined });
      const file = path.join(dir, 'keyed.csv');
      writeFileSync(file, 'time,meterusage\n2020-06-01T00:15:00Z,1\n');
      const written = await ingestCli(['--file', file, '--meter', 'cli-key-1', '--target', keyedTarget], { METERUSAGE_API_KEY: secret });
      expect([written.code, written.stderr]).toEqual([0, expect.stringMatching(/written \(upload \d+\): 1 accepted/)]);
      const withoutKey = await ingestCli(['--file', file, '--meter', 'cli-key-1', '--target', keyedTarget], { METERUSAGE_API_KEY: '' });
      expect([withoutKey.code, withoutKey.stderr]).toEqual([4, expect.stringContaining('an API key is required')]);
      const notGranted = await ingestCli(['--file', file, '--meter', 'other-1', '--target', keyedTarget], { METERUSAGE_API_KEY: secret });
      expect([notGranted.code, notGranted.stderr]).toEqual([4, expect.stringContaining('may not write meter "other-1"')]);
    } finally {
      await keyed.close();
    }
  }, 60_000);

  it('exits 1 and lists the rejected lines when a row is bad', async () => {
    const file = path.join(dir, 'bad.csv');
    writeFileSync(file, 'time,meterusage\n2020-06-01 00:15:00,1\n2020-06-01 00:20:00,2\n');
    const result = await ingestCli(['--file', file, '--meter', 'cli-2', '--target', target]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/NOTHING WRITTEN/);
    expect(result.stderr).toContain('line 3 (time): time "2020-06-01 00:20:00" is not on the 15-minute grid');
  });

  it('without --meter loads a multi-meter file into the meters it names and prints their counts; with --meter rejects rows of other meters', async () => {
    const file = path.join(dir, 'multi.csv');
    writeFileSync(file, 'meter_id,time,meterusage\ncli-a,2020-06-01 00:15:00,1\ncli-b,2020-06-01 00:15:00,2\ncli-b,2020-06-01 00:30:00,3\n');
    const multi = await ingestCli(['--file', file, '--target', target, '--json']);
    expect(multi.code).toBe(0);
    expect(JSON.parse(multi.stdout)).toMatchObject({ meterId: '', committed: true, inserted: 3, meterCount: 2, metersCreatedCount: 2 });
    expect(multi.stderr).toContain('  meter cli-a (new): 1 inserted, 0 updated, 0 unchanged, 0 skipped, 0 rejected');
    expect(multi.stderr).toContain('  meter cli-b (new): 2 inserted, 0 updated, 0 unchanged, 0 skipped, 0 rejected');
    const targeted = await ingestCli(['--file', file, '--meter', 'cli-a', '--target', target]);
    expect(targeted.code).toBe(1);
    expect(targeted.stderr).toContain(
      'line 3 (meter_id): the row names meter "cli-b" but the upload is for meter "cli-a": drop the meter_id column or make it match',
    );
  }, 60_000);

  it('exits 2 on a usage error and 3 when grpc-server cannot be reached', async () => {
    const usage = await ingestCli(['--meter', 'x']);
    expect([usage.code, usage.stderr]).toEqual([2, expect.stringContaining('--file is required')]);
    const badOption = await ingestCli(['--file', 'x.csv', '--mode', 'sometimes']);
    expect([badOption.code, badOption.stderr]).toEqual([2, expect.stringContaining('--mode must be atomic or partial')]);
    const file = path.join(dir, 'tiny.csv');
    writeFileSync(file, 'time,meterusage\n2020-06-01 00:15:00,1\n');
    const unreachable = await ingestCli(['--file', file, '--target', `127.0.0.1:${await freePort()}`]);
    expect([unreachable.code, unreachable.stderr]).toEqual([3, expect.stringContaining('is unreachable')]);
  }, 60_000);

  // nx's task runner reports every failed task as exit status 1, so the README's command is the
  // root package script; each case starts pnpm, tsx and the CLI (seconds on a loaded machine).
  it('keeps the exit status through the documented `pnpm ingest --file F --meter M`: 0 written, 1 rejected, 2 usage, 3 unreachable', async () => {
    const good = path.join(dir, 'documented-good.csv');
    writeFileSync(good, 'time,meterusage\n2020-06-01 00:15:00,1\n');
    const bad = path.join(dir, 'documented-bad.csv');
    writeFileSync(bad, 'time,meterusage\n2020-06-01 00:20:00,1\n');
    const written = await documentedCommand(good, 'cli-documented', target);
    expect([written.code, written.stderr]).toEqual([0, expect.stringMatching(/written \(upload \d+\): 1 accepted \(1 inserted/)]);
    const rejected = await documentedCommand(bad, 'cli-documented', target);
    expect([rejected.code, rejected.stderr]).toEqual([1, expect.stringContaining('is not on the 15-minute grid')]);
    const missing = await documentedCommand(path.join(dir, 'no-such-file.csv'), 'cli-documented', target);
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringContaining('cannot read')]);
    const unreachable = await documentedCommand(good, 'cli-documented', `127.0.0.1:${await freePort()}`);
    expect([unreachable.code, unreachable.stderr]).toEqual([3, expect.stringContaining('is unreachable')]);
  }, 120_000);
});
