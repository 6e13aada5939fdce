import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { WORKSPACE_ROOT } from './app-process';

const run = promisify(execFile);
/** The buf binary the README's `$BUF curl` examples call. */
const BUF = path.join(WORKSPACE_ROOT, 'libs', 'contracts', 'node_modules', '.bin', 'buf');

/** The README's runnable examples: lines of ```sh blocks that start with `curl `, `$BUF curl ` or `printf … | curl `. */
export function readmeShellExamples(): string[] {
  const readme = readFileSync(path.join(WORKSPACE_ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/```sh\n([\s\S]*?)```/g)]
    .flatMap((block) => block[1]!.split('\n'))
    .filter((line) => /^(curl |\$BUF curl |printf .*\| curl )/.test(line));
}

/**
 * Runs one README example with bash in workDir, against the gateway at httpHost (host:port) and
 * grpc-server at grpcHost instead of localhost:8000/50051; resolves with its stdout, or with the
 * files it wrote when it printed nothing (`curl -o`). Rejects with the command and stderr.
 */
export async function runReadmeExample(command: string, targets: { httpHost: string; grpcHost: string; workDir: string }): Promise<string> {
  const local = command.replaceAll('localhost:8000', targets.httpHost).replaceAll('localhost:50051', targets.grpcHost);
  const { stdout } = await run('bash', ['-c', local], { cwd: targets.workDir, env: { ...process.env, BUF }, maxBuffer: 64 * 1024 * 1024 }).catch(
    (error: Error & { stderr?: string }) => {
      throw new Error(`README example failed: ${command}\n${error.message}\n${error.stderr ?? ''}`);
    },
  );
  return stdout.trim() || readdirSync(targets.workDir).join(',');
}
