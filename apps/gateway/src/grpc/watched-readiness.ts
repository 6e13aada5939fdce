import { Metadata, type ClientReadableStream } from '@grpc/grpc-js';
import { ServingStatus, type HealthCheckResponse, type HealthClient } from '@meterusage/contracts';
import { callUnary } from './call';

/** How long a status stands without a fresh confirmation (a Watch message or a heartbeat check). */
const CONFIRMATION_TTL_MS = 3_000;
/** How often an open Watch is confirmed by a Check: a grpc-server that hangs sends no Watch message. */
const HEARTBEAT_MS = 1_000;
/** Deadline of a heartbeat check. */
const HEARTBEAT_DEADLINE_MS = 2_000;
const REOPEN_FIRST_MS = 250;
const REOPEN_MAX_MS = 5_000;

/**
 * grpc-server's serving status of one service, kept current by a grpc.health.v1 Watch stream, so
 * /readyz can answer from memory instead of asking grpc-server on every probe: under overload a
 * probe's Check waited for grpc-server's and the gateway's busy event loops (p99 near 100 ms). A
 * change (the database down, shutdown) arrives on the stream at once; a lost connection ends the
 * stream at once; a grpc-server that hangs is caught by the heartbeat, a Check every second.
 * current() gives a status only while one is open and was confirmed in the last 3 s; otherwise
 * the caller asks as before (right after start, while reconnecting, after a failed heartbeat).
 */
export class WatchedReadiness {
  private status: ServingStatus | undefined;
  private confirmedAt = 0;
  private watch: ClientReadableStream<HealthCheckResponse> | undefined;
  private reopenMs = REOPEN_FIRST_MS;
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly client: HealthClient,
    private readonly service: string,
  ) {
    this.open();
    const heartbeat = setInterval(() => void this.heartbeat(), HEARTBEAT_MS);
    heartbeat.unref();
    this.timers.add(heartbeat);
  }

  /** The watched status if it is fresh, else undefined (ask grpc-server). */
  current(): ServingStatus | undefined {
    if (this.status === undefined || performance.now() - this.confirmedAt > CONFIRMATION_TTL_MS) return undefined;
    return this.status;
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.watch?.cancel();
  }

  private open(): void {
    const watch = this.client.watch({ service: this.service }, new Metadata());
    this.watch = watch;
    watch.on('data', (message: HealthCheckResponse) => {
      this.confirm(message.status);
      this.reopenMs = REOPEN_FIRST_MS;
    });
    // Ended or failed (grpc-server gone, stopping, or without Watch): nothing is known until it is open again.
    const lost = () => {
      if (this.watch !== watch) return;
      this.watch = undefined;
      this.status = undefined;
      if (this.closed) return;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.open();
      }, this.reopenMs);
      timer.unref();
      this.timers.add(timer);
      this.reopenMs = Math.min(this.reopenMs * 2, REOPEN_MAX_MS);
    };
    watch.on('error', lost);
    watch.on('end', lost);
  }

  private async heartbeat(): Promise<void> {
    if (this.watch === undefined) return;
    const watch = this.watch;
    try {
      const response = await callUnary(this.client.check.bind(this.client), { service: this.service }, { deadlineMs: HEARTBEAT_DEADLINE_MS });
      if (this.watch === watch) this.confirm(response.status);
    } catch {
      if (this.watch === watch) this.status = undefined; // until the Watch says otherwise, probes ask
    }
  }

  private confirm(status: ServingStatus): void {
    this.status = status;
    this.confirmedAt = performance.now();
  }
}
