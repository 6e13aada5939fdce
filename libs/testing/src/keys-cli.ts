import { execFile } from 'node:child_process';
import path from 'node:path';
import { WORKSPACE_ROOT } from './app-process';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs grpc-server's keys CLI (from source) with args against the database at databaseUrl. */
export function runKeysCli(args: string[], databaseUrl: string): Promise<CliResult> {
  const cli = path.join(WORKSPACE_ROOT, 'apps', 'grpc-server', 'src', 'cli', 'keys.ts');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=@meterusage/source', '--require', require.resolve('tsx/cjs'), cli, ...args],
      { cwd: WORKSPACE_ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DATABASE_URL: databaseUrl } },
      // A CLI that did not exit by itself (killed, or not started) reports why in stderr.
      (error, stdout, stderr) =>
        resolve(
          error === null
            ? { code: 0, stdout, stderr }
            : typeof error.code === 'number'
              ? { code: error.code, stdout, stderr }
              : { code: -1, stdout, stderr: `${stderr}\n(${error.message}; signal ${error.signal ?? 'none'})` },
        ),
    );
  });
}

/** Creates a key with the CLI (`create … --json`) and returns its secret; throws with the CLI's words when it fails. */
export async function createKeyWithCli(databaseUrl: string, name: string, scopes: string, meters: string, more: string[] = []): Promise<string> {
  const result = await runKeysCli(['create', '--name', name, '--scopes', scopes, '--meters', meters, ...more, '--json'], databaseUrl);
  if (result.code !== 0) throw new Error(`keys create ${name} exited ${result.code}: ${result.stderr}`);
  return (JSON.parse(result.stdout) as { secret: string }).secret;
}
