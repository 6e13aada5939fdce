import { createServer, type Server } from 'node:http';
import type { GatedPool } from './db/connection';
import type { Admission } from './admission';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** grpc-server's Prometheus metrics: RPC latency by method and code, pool usage, ingest counters. */
export class Telemetry {
  readonly registry = new Registry();
  private readonly rpc = new Histogram({
    name: 'grpc_server_handling_seconds',
    help: 'RPCs by method and gRPC status code (streams: until their end)',
    labelNames: ['method', 'code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120],
    registers: [this.registry],
  });
  private readonly ingestRows = new Counter({
    name: 'meterusage_ingest_rows_total',
    help: 'Rows of uploads by outcome (accepted rows split into inserted, updated, unchanged, skipped)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readonly uploads = new Counter({
    name: 'meterusage_ingest_uploads_total',
    help: 'Uploads by result: committed, or nothing written',
    labelNames: ['result'],
    registers: [this.registry],
  });

  private readonly refused = new Counter({
    name: 'meterusage_grpc_refused_total',
    help: 'Calls refused with RESOURCE_EXHAUSTED because their method was at its concurrency limit',
    labelNames: ['method'],
    registers: [this.registry],
  });

  private readonly busy = new Counter({
    name: 'meterusage_db_pool_busy_total',
    help: 'Calls refused as busy (UNAVAILABLE, HTTP 503 + Retry-After) because every database connection was in use: the wait queue was full, or the wait ran out',
    labelNames: ['reason'],
    registers: [this.registry],
  });

  private readonly admissionBusy = new Counter({
    name: 'meterusage_usage_admission_busy_total',
    help: 'AggregateUsage calls refused as busy (UNAVAILABLE, HTTP 503 + Retry-After) because answers of USAGE_ADMISSION_BUCKETS buckets were being built: the wait queue was full, or the wait ran out',
    labelNames: ['reason'],
    registers: [this.registry],
  });

  private readonly accessRefused = new Counter({
    name: 'meterusage_access_refused_total',
    help: 'Calls refused by access control: reason missing, malformed, unknown, revoked or expired (UNAUTHENTICATED, answered after AUTH_FAILURE_DELAY_MS), scope or meter (PERMISSION_DENIED)',
    labelNames: ['reason'],
    registers: [this.registry],
  });

  constructor(pool?: GatedPool) {
    for (const reason of ['missing', 'malformed', 'unknown', 'revoked', 'expired', 'scope', 'meter']) this.accessRefused.inc({ reason }, 0);
    for (const reason of ['queue_full', 'wait_timeout']) this.admissionBusy.inc({ reason }, 0);
    collectDefaultMetrics({ register: this.registry, prefix: 'grpc_server_' });
    if (pool !== undefined) {
      const gauge = this.readGauge.bind(this);
      gauge('meterusage_db_pool_connections', 'Open connections of the PostgreSQL pool', () => pool.totalCount);
      gauge('meterusage_db_pool_idle_connections', 'Idle connections of the PostgreSQL pool', () => pool.idleCount);
      gauge('meterusage_db_pool_waiting_requests', 'Calls waiting for a pool connection', () => pool.queuedCount + pool.waitingCount);
      for (const reason of ['queue_full', 'wait_timeout']) this.busy.inc({ reason }, 0); // present from the start, for rate()
      pool.onBusy((reason) => this.busy.inc({ reason }));
    }
  }

  /** A gauge whose value is read at each scrape. */
  private readGauge(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  observeRpc(method: string, code: string, seconds: number): void {
    this.rpc.observe({ method, code }, seconds);
  }

  /** Gauges of the buckets in progress and the calls waiting in the admission of AggregateUsage answers. */
  watchAdmission(admission: Admission): void {
    const gauge = this.readGauge.bind(this);
    gauge(
      'meterusage_usage_admission_buckets_in_progress',
      'Buckets of AggregateUsage answers being queried, mapped and encoded',
      () => admission.inProgressCost,
    );
    gauge('meterusage_usage_admission_waiting_calls', 'AggregateUsage calls waiting for admission', () => admission.waitingCount);
  }

  observeAdmissionBusy(reason: string): void {
    this.admissionBusy.inc({ reason });
  }

  observeAccessRefused(reason: string): void {
    this.accessRefused.inc({ reason });
  }

  observeRefusal(method: string): void {
    this.refused.inc({ method });
  }

  observeUpload(report: { committed: boolean; inserted: number; updated: number; unchanged: number; skipped: number; rejected: number }): void {
    this.uploads.inc({ result: report.committed ? 'committed' : 'nothing_written' });
    if (report.committed) {
      for (const outcome of ['inserted', 'updated', 'unchanged', 'skipped'] as const) this.ingestRows.inc({ outcome }, report[outcome]);
    }
    this.ingestRows.inc({ outcome: 'rejected' }, report.rejected);
  }
}

/** Serves GET /metrics on its own port (gRPC has no HTTP route); resolves with the bound port. */
export function servePrometheus(telemetry: Telemetry, host: string, port: number): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/metrics') {
      telemetry.registry.metrics().then(
        (body) => response.writeHead(200, { 'content-type': telemetry.registry.contentType }).end(body),
        () => response.writeHead(500).end(),
      );
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address !== null ? address.port : port });
    });
  });
}
