// wrk (apt-get install wrk) as the load generator of the comparison: written in C, it costs the
// shared 2 cores far less than a Node client would, and it is what the original design's own
// bench.sh measures with, so both systems are driven the same way.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

export const WRK = '/usr/bin/wrk';

export interface WrkResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Connect, read, write and timeout errors, and answers outside 2xx/3xx. */
  errors: number;
}

/** Why wrk cannot run here, or undefined when it can. */
export function wrkMissing(): string | undefined {
  return existsSync(WRK) ? undefined : `${WRK} not found: apt-get install -y wrk`;
}

/** One wrk run: one thread, `connections` connections, `seconds` long, with the latency distribution. */
export async function runWrk(url: string, options: { connections: number; seconds: number }): Promise<WrkResult> {
  const { stdout } = await promisify(execFile)(WRK, ['-t1', `-c${options.connections}`, `-d${options.seconds}s`, '--latency', url], {
    timeout: (options.seconds + 60) * 1000,
  });
  return parseWrkOutput(stdout);
}

/** The figures of wrk's --latency report. */
export function parseWrkOutput(text: string): WrkResult {
  const number = (pattern: RegExp, what: string) => {
    const match = pattern.exec(text);
    if (match === null) throw new Error(`wrk's output has no ${what}:\n${text}`);
    return match;
  };
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  return {
    requestsPerSecond: Number(number(/Requests\/sec:\s+([\d.]+)/, 'Requests/sec')[1]),
    p50Ms: durationMs(number(/^\s+50%\s+([\d.]+)(us|ms|s|m)\s*$/m, '50% latency')),
    p99Ms: durationMs(number(/^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$/m, '99% latency')),
    requests: Number(number(/(\d+) requests in/, 'request count')[1]),
    errors: (socketErrors === null ? 0 : socketErrors.slice(1).reduce((sum, count) => sum + Number(count), 0)) + (non2xx === null ? 0 : Number(non2xx[1])),
  };
}

function durationMs(match: RegExpExecArray): number {
  const scale = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[match[2] as 'us' | 'ms' | 's' | 'm'];
  return Number(match[1]) * scale;
}
