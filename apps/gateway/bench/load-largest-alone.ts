// The largest requests the limits admit, sent one at a time, each route's event-loop stalls read on
// its own. Under the mix's 50 connections a loop iteration runs the callbacks of every request
// that became ready meanwhile, so its longest stall measures queueing; this phase measures what one
// request can hold a loop for, which is what "no stall under any request the limits admit" asks
// (a 100,000-bucket answer once blocked the gateway for 2.2 s).
import { readStalls, resetStallWindow, type StallReading, type StallSource } from './event-loop-stalls';
import { Recorder, reportOf, type HttpClient, type RouteReport } from './load-driver';

/** One route of the phase: its figures and the stalls of each app (and the idle floor) while it ran. */
export interface AloneReport {
  report: RouteReport;
  stalls: StallReading[];
  floor: StallReading;
}

/** The most buckets one /api/usage answer may hold. */
const MAX_BUCKETS = 100_000;
const FIFTEEN_MINUTES_MS = 15 * 60_000;

/** The requests, each for another meter every time so none is answered from the answer cache. */
export function largestAdmittedRequests(startYear: number): [route: string, path: (meter: string) => string][] {
  const year = `from=${startYear}-01-01&to=${startYear + 1}-01-01`;
  const largestEnd = new Date(Date.UTC(startYear, 0, 1) + MAX_BUCKETS * FIFTEEN_MINUTES_MS).toISOString();
  const usage100k = `from=${startYear}-01-01&to=${largestEnd}&bucket=15m`;
  return [
    ['GET /api/usage 100,000 15m buckets', (meter) => `/api/usage?meter=${meter}&${usage100k}`],
    ['the same, shape=columns', (meter) => `/api/usage?meter=${meter}&${usage100k}&shape=columns`],
    ['GET /api/usage 1 year by hour, New York', (meter) => `/api/usage?meter=${meter}&${year}&bucket=hour&tz=America/New_York`],
    ['GET /api/readings page_size=10000', (meter) => `/api/readings?meter=${meter}&${year}&page_size=10000`],
    ['GET /api/summary 1 year', (meter) => `/api/summary?meter=${meter}&${year}`],
    ['GET /api/profile 1 year, 15m, weekday', (meter) => `/api/profile?meter=${meter}&${year}&bucket=15m&group=weekday`],
    ['GET /api/metrics (every reading)', (meter) => `/api/metrics?meter=${meter}`],
    ['GET /api/export 1 year NDJSON', (meter) => `/api/export?meter=${meter}&${year}&format=ndjson`],
  ];
}

/**
 * Sends each route's request once per meter, one at a time, and reads both apps' longest stalls
 * and an idle process's (the scheduler's floor) over that route alone.
 */
export async function runLargestAlone(options: {
  client: HttpClient;
  meterIds: readonly string[];
  startYear: number;
  stallSources: readonly StallSource[];
  readFloor: () => Promise<StallReading>;
}): Promise<AloneReport[]> {
  const reports: AloneReport[] = [];
  for (const [route, path] of largestAdmittedRequests(options.startYear)) {
    const recorder = new Recorder();
    await Promise.all([resetStallWindow(options.stallSources), options.readFloor()]);
    const startedAt = performance.now();
    for (const meter of options.meterIds) await options.client.get(recorder, route, path(encodeURIComponent(meter)));
    const seconds = (performance.now() - startedAt) / 1000;
    const [stalls, floor] = await Promise.all([readStalls(options.stallSources), options.readFloor()]);
    reports.push({ report: { ...reportOf(recorder, seconds).total, route }, stalls, floor });
  }
  return reports;
}
