// The longest event-loop stall of each app over a scenario, read from the Node figures both apps
// export (prom-client's nodejs_eventloop_lag_*, from monitorEventLoopDelay). prom-client resets
// its histogram at every scrape, so one read before a scenario starts the window and one after
// reads the scenario alone (nothing else scrapes these bench processes).
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

/** One line: each app's longest stall and p99 delay against the target. */
export function stallVerdict(readings: readonly StallReading[]): { met: boolean; text: string } {
  const met = readings.every((reading) => reading.maxMs <= STALL_TARGET_MS);
  const parts = readings.map((reading) => `${reading.name} max ${reading.maxMs.toFixed(0)} ms (p99 ${reading.p99Ms.toFixed(1)} ms)`);
  return { met, text: `event-loop stalls: ${parts.join(', ')} (target ≤ ${STALL_TARGET_MS} ms: ${met ? 'met' : 'NOT met'})` };
}
