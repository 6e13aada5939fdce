// The longest event-loop stall of each app over a scenario, read from the Node figures both apps
// export (prom-client's nodejs_eventloop_lag_*, from monitorEventLoopDelay). prom-client resets
// its histogram at every scrape, so one read before a scenario starts the window and one after
// reads the scenario alone (nothing else scrapes these bench processes).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** What the issues ask: no stall over 50 ms in either process. */
export const STALL_TARGET_MS = 50;

export interface StallSource {
  name: string;
  port: number;
  /** The metric prefix the app gives collectDefaultMetrics. */
  prefix: string;
}

export interface StallReading {
  name: string;
  maxMs: number;
  p99Ms: number;
}

const scrape = async (source: StallSource) => (await fetch(`http://127.0.0.1:${source.port}/metrics`)).text();

/** Starts the window: a scrape resets each app's delay histogram. */
export async function resetStallWindow(sources: readonly StallSource[]): Promise<void> {
  await Promise.all(sources.map(scrape));
}

/** The longest stall and the p99 delay of each app since resetStallWindow (or the last read). */
export async function readStalls(sources: readonly StallSource[]): Promise<StallReading[]> {
  return Promise.all(
    sources.map(async (source) => {
      const text = await scrape(source); // one scrape: it resets the histogram the figures come from
      const figure = (name: string) => 1000 * Number(new RegExp(`^${source.prefix}nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
      return { name: source.name, maxMs: figure('max'), p99Ms: figure('p99') };
    }),
  );
}

/** One line: each app's longest stall and p99 delay against the target, and the idle process's floor when measured. */
export function stallVerdict(readings: readonly StallReading[], floor?: StallReading): { met: boolean; text: string } {
  const met = readings.every((reading) => reading.maxMs <= STALL_TARGET_MS);
  const describe = (reading: StallReading) => `${reading.name} max ${reading.maxMs.toFixed(0)} ms (p99 ${reading.p99Ms.toFixed(1)} ms)`;
  const floorText = floor === undefined ? '' : `; the floor, ${describe(floor)}`;
  return { met, text: `event-loop stalls: ${readings.map(describe).join(', ')} (target ≤ ${STALL_TARGET_MS} ms: ${met ? 'met' : 'NOT met'})${floorText}` };
}

/**
 * A Node process that does nothing but measure its own event-loop delay as the apps do
 * (monitorEventLoopDelay at prom-client's 10 ms resolution). On a saturated machine the operating
 * system leaves any runnable process waiting for a core now and then, and that wait counts as
 * event-loop delay too: the canary's figures are that floor, measured in the same run, so the
 * apps' own stalls can be told from it.
 */
export function startIdleCanary(): { read(): Promise<StallReading>; stop(): void } {
  const script = `
    const { monitorEventLoopDelay } = require('node:perf_hooks');
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    process.stdin.on('data', () => {
      process.stdout.write(JSON.stringify({ maxMs: histogram.max / 1e6, p99Ms: histogram.percentile(99) / 1e6 }) + '\\n');
      histogram.reset();
    });`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const read = async (): Promise<StallReading> => {
    const line = once(lines, 'line');
    child.stdin.write('\n');
    const [text] = (await line) as [string];
    return { name: 'an idle Node process', ...(JSON.parse(text) as { maxMs: number; p99Ms: number }) };
  };
  return { read, stop: () => child.kill() };
}
