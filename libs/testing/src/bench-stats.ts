// Timing and memory helpers of the benchmarks (`bench` targets): samples are wall-clock milliseconds,
// memory comes from /proc/<pid>/status, so the measured apps need no instrumentation.
import { readFileSync, writeFileSync } from 'node:fs';

export interface Stats {
  median: number;
  p90: number;
  samples: number;
}

/** Median and 90th percentile (nearest rank) of the samples. */
export function statsOf(samples: readonly number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  const p90 = sorted[Math.max(0, Math.ceil(0.9 * sorted.length) - 1)]!;
  return { median, p90, samples: sorted.length };
}

/** Wall time of one call, in ms. */
export async function timed(run: () => Promise<unknown>): Promise<number> {
  const startedAt = performance.now();
  await run();
  return performance.now() - startedAt;
}

/** A measured step, with untimed work before it (e.g. TRUNCATE) and after it (e.g. checking the result). */
export interface TimedStep {
  before?: (round: number) => Promise<unknown>;
  run: (round: number) => Promise<unknown>;
  after?: (round: number, ms: number) => Promise<unknown>;
}

/**
 * Runs every variant once per round (warm-up rounds are not recorded) and returns each variant's
 * samples. The order rotates from round to round, so no variant always finds caches another one
 * just warmed, and machine noise spreads evenly over the variants. A variant is a function (all of
 * it timed) or a TimedStep (only `run` timed).
 */
export async function measureRounds<Name extends string>(
  variants: Record<Name, ((round: number) => Promise<unknown>) | TimedStep>,
  rounds: { warmup: number; reps: number },
): Promise<Record<Name, number[]>> {
  const names = Object.keys(variants) as Name[];
  const samples = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<Name, number[]>;
  for (let round = 0; round < rounds.warmup + rounds.reps; round += 1) {
    for (let step = 0; step < names.length; step += 1) {
      const name = names[(round + step) % names.length]!;
      const variant = variants[name];
      const { before, run, after } = typeof variant === 'function' ? { run: variant } : variant;
      await before?.(round);
      const ms = await timed(() => run(round));
      await after?.(round, ms);
      if (round >= rounds.warmup) samples[name].push(ms);
    }
  }
  return samples;
}

/** "12.3 (15.1)": median and p90 in ms. */
export function formatMs(stats: Stats): string {
  const ms = (value: number) => (value < 10 ? value.toFixed(2) : value.toFixed(1));
  return `${ms(stats.median)} (${ms(stats.p90)}) ms`;
}

/** "512k rows/s". */
export function formatRate(rowsPerSecond: number): string {
  return `${Math.round(rowsPerSecond / 1000)}k rows/s`;
}

/** Resident set now (VmRSS) and its peak since the process started (VmHWM), in MB, from /proc/<pid>/status. */
export function processMemoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/**
 * Resets a process's VmHWM to its current RSS (Linux: `5` into /proc/<pid>/clear_refs), so the next
 * peak read belongs to what runs from now on. False when the kernel or permissions refuse.
 */
export function resetPeakMemory(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** What sampleMemory saw, in MB: lowest and highest VmRSS sampled, the lowest in the second half, and the last VmHWM read. */
export interface MemorySamples {
  lowMb: number;
  highMb: number;
  /**
   * Lowest VmRSS of the second half of the samples: what a garbage-collected process falls back to
   * late in its work. It climbs with the data handled if the process holds that data.
   */
  lateLowMb: number;
  /** Lowest VmRSS of each quarter of the samples (Infinity for an empty one): a climb shows memory held as the work goes on. */
  quarterLowsMb: number[];
  peakMb: number;
  samples: number;
}

/**
 * Samples VmRSS (and VmHWM) of a process every `everyMs` until stop(). Use it for processes that
 * exit on their own (VmHWM can no longer be read after the exit, so the last sample's stands in)
 * and to see the range a garbage-collected process saws through.
 */
export function sampleMemory(pid: number, everyMs = 50): { stop(): MemorySamples } {
  const rssMb: number[] = [];
  let peakMb = 0;
  const sample = () => {
    try {
      const { rss, peak } = processMemoryMb(pid);
      if (Number.isNaN(rss) || Number.isNaN(peak)) return; // a zombie's status has no memory lines
      rssMb.push(rss);
      peakMb = Math.max(peakMb, peak);
    } catch {
      // the process has exited
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      const lowest = (values: number[]) => values.reduce((low, value) => Math.min(low, value), Infinity);
      return {
        lowMb: lowest(rssMb),
        highMb: rssMb.reduce((high, value) => Math.max(high, value), 0),
        lateLowMb: lowest(rssMb.slice(Math.floor(rssMb.length / 2))),
        quarterLowsMb: [0, 1, 2, 3].map((quarter) =>
          lowest(rssMb.slice(Math.floor((quarter * rssMb.length) / 4), Math.floor(((quarter + 1) * rssMb.length) / 4))),
        ),
        peakMb,
        samples: rssMb.length,
      };
    },
  };
}

/** Throws when a functional result is wrong: the benchmark exits non-zero only for such failures. */
export function expectEqual(what: string, actual: unknown, expected: unknown): void {
  if (actual !== expected) throw new Error(`functional failure: ${what} is ${String(actual)}, expected ${String(expected)}`);
}

/** Latency of one kind of request under load, in ms: nearest-rank percentiles of every sample. */
export interface LatencyStats {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** The q-th quantile (0 < q ≤ 1, nearest rank) of values sorted ascending; NaN for none. */
export function quantileOfSorted(sorted: readonly number[], q: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

/** p50, p99 and max of a load test's latency samples (ms). */
export function latencyStatsOf(samples: readonly number[]): LatencyStats {
  const sorted = Float64Array.from(samples).sort();
  const values = Array.from(sorted);
  return { count: values.length, p50: quantileOfSorted(values, 0.5), p99: quantileOfSorted(values, 0.99), max: values.at(-1) ?? Number.NaN };
}

/** CPU time (user + system) a process has used since it started, in seconds, from /proc/<pid>/stat. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name (which may hold spaces): utime and stime are the
  // 14th and 15th fields, in clock ticks of USER_HZ, which Linux fixes at 100 for user space.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The whole machine's CPU time so far, busy and in all, in seconds (first line of /proc/stat; idle and iowait are not busy). */
export function machineCpuSeconds(): { busy: number; total: number } {
  const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((sum, value) => sum + value, 0);
  return { busy: (total - ticks[3]! - ticks[4]!) / 100, total: total / 100 };
}
