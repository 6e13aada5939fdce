// The closed-loop load driver of the load benchmark: N workers, each sending its next request as
// soon as the previous one is answered, for a fixed time. Every request is recorded under its
// route with its latency and whether its status was the expected one. Plain node:http with a
// keep-alive agent, so "connections" means sockets: N workers hold at most N of them.
import { Agent, request as httpRequest } from 'node:http';
import { latencyStatsOf, type LatencyStats } from '@meterusage/testing';

/** What one request ended as: a status (expected or not) or a transport error (reset, timeout…). */
export interface Outcome {
  status?: number;
  error?: string;
}

/** One request's result, as the recorder keeps it. */
interface Sample {
  ms: number;
  unexpected: string | undefined;
}

/** Per route: latencies and what went wrong (status or error → count). */
class RouteRecord {
  readonly latenciesMs: number[] = [];
  readonly problems = new Map<string, number>();
  add(sample: Sample): void {
    this.latenciesMs.push(sample.ms);
    if (sample.unexpected !== undefined) this.addProblem(sample.unexpected);
  }
  addProblem(kind: string): void {
    this.problems.set(kind, (this.problems.get(kind) ?? 0) + 1);
  }
}

/** Collects the samples of one phase, per route, in first-seen order. */
export class Recorder {
  readonly routes = new Map<string, RouteRecord>();
  record(route: string, ms: number, outcome: Outcome, expected: readonly number[]): void {
    const unexpected = outcome.error !== undefined ? outcome.error : expected.includes(outcome.status ?? -1) ? undefined : `HTTP ${outcome.status}`;
    this.routeRecord(route).add({ ms, unexpected });
  }

  /** A functional failure found after the responses (e.g. a page walk that lost readings): counted, not timed. */
  fail(route: string, kind: string): void {
    this.routeRecord(route).addProblem(kind);
  }

  private routeRecord(route: string): RouteRecord {
    let record = this.routes.get(route);
    if (record === undefined) this.routes.set(route, (record = new RouteRecord()));
    return record;
  }

  /** Times `run` (which resolves with a status) and records it; a rejection is recorded as an error. */
  async measure<Result extends Outcome>(route: string, expected: readonly number[], run: () => Promise<Result>): Promise<Result | undefined> {
    const startedAt = performance.now();
    try {
      const result = await run();
      this.record(route, performance.now() - startedAt, result, expected);
      return result;
    } catch (error) {
      this.record(route, performance.now() - startedAt, { error: errorKind(error) }, expected);
      return undefined;
    }
  }
}

/** One route's figures of a phase. */
export interface RouteReport {
  route: string;
  latency: LatencyStats;
  perSecond: number;
  /** Responses with an unexpected status plus transport errors, by kind ("HTTP 500", "timeout", "ECONNRESET"). */
  problems: Map<string, number>;
}

/** Summarises a phase of `seconds` seconds; the "all routes" row comes last. */
export function reportOf(recorder: Recorder, seconds: number): { routes: RouteReport[]; total: RouteReport } {
  const routes = [...recorder.routes].map(([route, record]) => ({
    route,
    latency: latencyStatsOf(record.latenciesMs),
    perSecond: record.latenciesMs.length / seconds,
    problems: record.problems,
  }));
  const allProblems = new Map<string, number>();
  for (const { problems } of routes) for (const [kind, count] of problems) allProblems.set(kind, (allProblems.get(kind) ?? 0) + count);
  const all = [...recorder.routes.values()].flatMap((record) => record.latenciesMs);
  return { routes, total: { route: 'all routes', latency: latencyStatsOf(all), perSecond: all.length / seconds, problems: allProblems } };
}

/** One request of the mix, or a short sequence of them (a page walk); records what it sends. */
export type Operation = (recorder: Recorder) => Promise<void>;

/**
 * Runs `workers` loops for `seconds`: each picks an operation and awaits it, again and again. An
 * operation that started before the end finishes (and counts); none starts after it.
 */
export async function runClosedLoop(options: { workers: number; seconds: number; pick: () => Operation }): Promise<Recorder> {
  const recorder = new Recorder();
  const endsAt = performance.now() + options.seconds * 1000;
  const worker = async () => {
    while (performance.now() < endsAt) await options.pick()(recorder);
  };
  await Promise.all(Array.from({ length: options.workers }, worker));
  return recorder;
}

export interface HttpResponse {
  status: number;
  body: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

/** GET (or POST) over keep-alive sockets to one server; `timeoutMs` without a byte is an error. */
export class HttpClient {
  private readonly agent: Agent;
  constructor(
    private readonly baseUrl: URL,
    sockets: number,
    private readonly timeoutMs: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  }

  /** Sends a GET and records it under `route`; resolves with the response (undefined after an error). */
  get(recorder: Recorder, route: string, path: string, expected: readonly number[] = [200]): Promise<HttpResponse | undefined> {
    return recorder.measure(route, expected, () => this.send(path));
  }

  private send(path: string): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
      const request = httpRequest(new URL(path, this.baseUrl), { agent: this.agent, timeout: this.timeoutMs }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks), headers: response.headers }));
        response.on('error', reject);
      });
      request.on('timeout', () => request.destroy(Object.assign(new Error('no answer in time'), { code: 'timeout' })));
      request.on('error', reject);
      request.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function errorKind(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : (error as Error).message;
}
