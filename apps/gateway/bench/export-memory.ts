// Memory of the export path: does a ten times longer download need more memory in grpc-server or
// the gateway? Read from /proc/<pid>/status, so the apps need no instrumentation.
//
// Method: on fresh processes, export 100k and then 1M readings through GET /api/export, sampling
// VmRSS of both processes every 50 ms. A Node process under a high allocation rate saws up and
// down between garbage collections, so the highest sample (and VmHWM, the kernel's peak since
// start) shows GC headroom as much as data held. What an export holds shows in the lows: the RSS
// a process falls back to after its collections late in the export. If rows were buffered, that
// low would climb with the rows sent, about ten times as much for 1M as for 100k.
import { countDownloadLines } from './clients';
import { expectEqual, processMemoryMb } from '@meterusage/testing';

const SAMPLE_EVERY_MS = 50;
const QUARTER_HOUR_MS = 900_000;

type Processes = { 'grpc-server': number; gateway: number };

interface ExportMemory {
  label: string;
  /** Per process: lowest and highest VmRSS sampled, the lowest in the export's second half, and VmHWM after it, in MB. */
  processes: Record<keyof Processes, { low: number; high: number; lateLow: number; peak: number }>;
}

/** Exports of `sizes` readings each (from the export meter's first reading on), one after the other, with their memory. */
export async function measureExportMemory(
  baseUrl: string,
  exportMeter: { meterId: string; firstStartMs: number },
  pids: Processes,
  sizes: number[],
): Promise<{ startMb: Record<keyof Processes, number>; exports: ExportMemory[] }> {
  const names = Object.keys(pids) as (keyof Processes)[];
  const startMb = Object.fromEntries(names.map((name) => [name, processMemoryMb(pids[name]).rss])) as Record<keyof Processes, number>;
  const exports: ExportMemory[] = [];
  for (const readings of sizes) {
    const from = new Date(exportMeter.firstStartMs).toISOString();
    const to = new Date(exportMeter.firstStartMs + readings * QUARTER_HOUR_MS).toISOString();
    const samples = names.map(() => [] as number[]);
    const timer = setInterval(() => names.forEach((name, index) => samples[index]!.push(processMemoryMb(pids[name]).rss)), SAMPLE_EVERY_MS);
    try {
      const lines = await countDownloadLines(baseUrl, `/api/export?meter=${exportMeter.meterId}&from=${from}&to=${to}&format=csv`);
      expectEqual(`lines of the ${readings}-reading export`, lines, readings + 1);
    } finally {
      clearInterval(timer);
    }
    const processes = Object.fromEntries(
      names.map((name, index) => {
        const rss = samples[index]!.length > 0 ? samples[index]! : [processMemoryMb(pids[name]).rss];
        const secondHalf = rss.slice(Math.floor(rss.length / 2));
        return [name, { low: Math.min(...rss), high: Math.max(...rss), lateLow: Math.min(...secondHalf), peak: processMemoryMb(pids[name]).peak }];
      }),
    ) as ExportMemory['processes'];
    exports.push({ label: `${readings.toLocaleString('en')}-reading export`, processes });
  }
  return { startMb, exports };
}

export function printExportMemory(report: Awaited<ReturnType<typeof measureExportMemory>>): void {
  const names = Object.keys(report.startMb) as (keyof Processes)[];
  const cell = (text: string) => text.padEnd(46);
  console.log(`\nmemory of the export path: fresh processes, GET /api/export, VmRSS sampled every ${SAMPLE_EVERY_MS} ms (/proc/<pid>/status)`);
  console.log(`  ${''.padEnd(26)}${names.map((name) => cell(name)).join('')}`.trimEnd());
  console.log(`  ${'at start'.padEnd(26)}${names.map((name) => cell(`${report.startMb[name].toFixed(0)} MB`)).join('')}`.trimEnd());
  for (const { label, processes } of report.exports) {
    const text = (name: keyof Processes) => {
      const memory = processes[name];
      return `${memory.low.toFixed(0)}–${memory.high.toFixed(0)} MB, late low ${memory.lateLow.toFixed(0)}, VmHWM ${memory.peak.toFixed(0)}`;
    };
    console.log(`  ${label.padEnd(26)}${names.map((name) => cell(text(name))).join('')}`.trimEnd());
  }
  console.log(
    '  late low = lowest RSS in the second half of the export (what survives GC); it would climb with the rows sent if the\n' +
      '  path buffered them. The high and VmHWM (peak since start) also hold GC headroom, which grows with the allocation rate.',
  );
}
