import type { LogLine } from './app-process';

/** The port of grpc-server's Prometheus endpoint, read from its start-up log line; undefined until it logged it. */
export function prometheusPortOf(app: { logs: LogLine[] }): number | undefined {
  const line = app.logs.find((entry) => typeof entry.metricsPort === 'number');
  return line?.metricsPort as number | undefined;
}

/**
 * The sum over every label set of the counters whose name matches (e.g. /^meterusage_db_pool_busy_total$/),
 * scraped from the Prometheus endpoint on port of 127.0.0.1; labels filters the label sets (e.g. /reason="queue_full"/).
 */
export async function counterTotal(port: number, name: RegExp, labels: RegExp = /.*/): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    const sample = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (sample === null || !name.test(sample[1]!) || !labels.test(sample[2] ?? '')) continue;
    total += Number(sample[3]);
  }
  return total;
}
