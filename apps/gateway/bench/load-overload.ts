// The load bench's overload scenario: N connections (far more than the database pool) send the
// heaviest allowed query in a closed loop, by default without pausing for Retry-After (the worst
// client; --honour-retry-after makes each wait as told after a busy answer, as a polite client does), while a prober times GET /healthz and GET /readyz every 100 ms on connections of their own.
// Every answer must be 200 or the busy answer (503, Retry-After, "busy: …"), no answer may take
// longer than the gateway's deadline, and the probes' p99 must stay under 100 ms.
import { HttpClient, Recorder, type RouteReport } from './load-driver';

const PROBE_INTERVAL_MS = 100;
const PROBED = ['/healthz', '/readyz'] as const;
/** What the issue asks of the health routes under overload. */
export const PROBE_P99_TARGET_MS = 100;
/** The route label of the busy answers of the heavy route. */
export const busyRoute = (route: string) => `${route} (503 busy)`;

export interface OverloadOptions {
  baseUrl: URL;
  connections: number;
  seconds: number;
  /** Route label and the path of each request (e.g. a year of one meter in 15-minute buckets). */
  route: string;
  path: () => string;
  timeoutMs: number;
  /** After a busy answer, wait its Retry-After before the next request. */
  honourRetryAfter: boolean;
}

/**
 * Runs the overload and records the heavy route's 200s and busy 503s under separate labels (any
 * other status, or a 503 without Retry-After or the busy message, is a problem), and the probes.
 */
export async function runOverloadScenario(options: OverloadOptions): Promise<Recorder> {
  const recorder = new Recorder();
  const client = new HttpClient(options.baseUrl, options.connections, options.timeoutMs);
  const probes = new HttpClient(options.baseUrl, 1, options.timeoutMs);
  const endsAt = performance.now() + options.seconds * 1000;
  try {
    const worker = async () => {
      while (performance.now() < endsAt) {
        const scratch = new Recorder();
        const response = await client.get(scratch, options.route, options.path(), [200, 503]);
        const [label, record] = scratch.routes.entries().next().value!;
        const busy = response?.status === 503;
        const ms = record.latenciesMs[0]!;
        const problem = [...record.problems.keys()][0] ?? (busy ? busyProblem(response.headers['retry-after'], response.body) : undefined);
        recorder.record(busy ? busyRoute(label) : label, ms, problem === undefined ? { status: 200 } : { error: problem }, [200]);
        const retryAfterS = Number(response?.headers['retry-after']);
        if (busy && options.honourRetryAfter && retryAfterS > 0) await new Promise((resolve) => setTimeout(resolve, retryAfterS * 1000));
      }
    };
    const prober = (async () => {
      for (let turn = 0; performance.now() < endsAt; turn += 1) {
        const path = PROBED[turn % PROBED.length]!;
        await probes.get(recorder, `GET ${path} (probe)`, path);
        await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
      }
    })();
    await Promise.all([...Array.from({ length: options.connections }, worker), prober]);
    return recorder;
  } finally {
    client.close();
    probes.close();
  }
}

/** Why a 503 is not the busy answer, or undefined when it is. */
function busyProblem(retryAfter: string | string[] | undefined, body: Buffer): string | undefined {
  let message = '';
  try {
    message = (JSON.parse(body.toString('utf8')) as { error?: { message?: string } }).error?.message ?? '';
  } catch {
    return '503 without a JSON body';
  }
  if (!message.startsWith('busy: ')) return `503 not busy: ${message.slice(0, 80)}`;
  if (typeof retryAfter !== 'string' || !/^\d+$/.test(retryAfter)) return '503 busy without Retry-After';
  return undefined;
}

/** The verdict line's parts: the probes' p99 against the target, the slowest answer against the deadline. */
export function overloadVerdict(reports: RouteReport[], deadlineMs: number): { probesMet: boolean; deadlineMet: boolean; text: string } {
  const probes = reports.filter((report) => report.route.endsWith('(probe)'));
  const heavy = reports.filter((report) => !report.route.endsWith('(probe)'));
  const slowest = Math.max(...heavy.map((report) => report.latency.max));
  const probesMet = probes.length === PROBED.length && probes.every((report) => report.latency.p99 < PROBE_P99_TARGET_MS);
  const deadlineMet = slowest <= deadlineMs;
  const text =
    `probes p99 ${probes.map((report) => `${report.route} ${report.latency.p99.toFixed(1)} ms`).join(', ')} (target < ${PROBE_P99_TARGET_MS} ms: ${probesMet ? 'met' : 'NOT met'}); ` +
    `slowest answer ${slowest.toFixed(0)} ms (deadline ${deadlineMs} ms: ${deadlineMet ? 'met' : 'NOT met'})`;
  return { probesMet, deadlineMet, text };
}
