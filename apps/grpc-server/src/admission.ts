import { DatabaseBusyError } from './errors';

export interface AdmissionLimits {
  /** Most work in progress at once, in the caller's unit of cost (e.g. buckets of answers being built). */
  capacity: number;
  /** Most calls waiting for room; one more is refused at once. */
  queueMax: number;
  /** Milliseconds a call may wait for room before it is refused. */
  waitMs: number;
  /**
   * Spread the refusals of waiters over the last part of the wait: each is refused at a random
   * point in [waitMs·(1 − spread), waitMs] (0, the default: at waitMs exactly). Clients that retry
   * at once after a refusal and arrived together are otherwise refused together, again and again,
   * in waves a server handles in one turn of its event loop (and so do the apps in front of it).
   */
  refusalSpread?: number;
  /** For tests: the random source of refusalSpread. */
  random?: () => number;
}

/** Why a call was refused, and the state then: the refusal's message says what is busy. */
export type Refusal = (reason: DatabaseBusyError['reason'], state: { inProgress: number; waiting: number }) => Error;

/** Gives the cost a call holds back; calling it again does nothing. */
export type ReleaseAdmission = () => void;

/**
 * Refused by an Admission: the server is busy building answers, not down. It is a
 * DatabaseBusyError so that it gets the same translation (UNAVAILABLE with retry pushback, HTTP
 * 503 + Retry-After at the gateway), with a message saying what is busy.
 */
export class AdmissionBusyError extends DatabaseBusyError {
  constructor(
    readonly what: string,
    inProgress: number,
    waiting: number,
    reason: DatabaseBusyError['reason'],
  ) {
    super(0, waiting, reason);
    this.message = `busy: ${what} of ${inProgress.toLocaleString('en')} buckets are being built and ${waiting} calls are waiting, the most this server takes on at once; retry in a moment`;
    this.name = 'AdmissionBusyError';
  }
}

interface Waiter {
  cost: number;
  grant(): void;
}

/**
 * The server's one bounded wait for capacity: database connections (GatedPool, cost 1 each) and
 * usage answers (cost = buckets: the pool bounds their query alone, so without it every admitted
 * call would build its answer at once on the one event loop). Calls whose cost fits run at once;
 * others wait first come first served (a big call is not overtaken for ever by small ones) in a
 * queue bounded in length and in time, and are refused with refuse()'s error past either. A call
 * costing more than the whole capacity is admitted alone.
 */
export class Admission {
  private inProgress = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly refuse: Refusal,
  ) {}

  /** Cost held by admitted calls. */
  get inProgressCost(): number {
    return this.inProgress;
  }

  /** Calls waiting for room. */
  get waitingCount(): number {
    return this.waiters.length;
  }

  /** Room for work of this cost; rejects with AdmissionBusyError when refused, or with the signal's reason when cancelled while waiting. */
  async admit(cost: number, cancelled?: AbortSignal): Promise<ReleaseAdmission> {
    const held = Math.min(Math.max(1, Math.ceil(cost)), this.limits.capacity);
    if (cancelled?.aborted) throw cancelled.reason;
    if (this.waiters.length === 0 && this.inProgress + held <= this.limits.capacity) {
      this.inProgress += held;
      return this.releaser(held);
    }
    if (this.waiters.length >= this.limits.queueMax) throw this.refusal('queue_full');
    await new Promise<void>((resolve, reject) => {
      const stopWaiting = () => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
        clearTimeout(timer);
        cancelled?.removeEventListener('abort', onCancel);
      };
      const waiter: Waiter = {
        cost: held,
        grant: () => {
          stopWaiting();
          resolve();
        },
      };
      const onCancel = () => {
        stopWaiting();
        reject(cancelled!.reason as Error);
        this.grantWaiters(); // the head may have left: the next may fit
      };
      const timer = setTimeout(() => {
        stopWaiting();
        reject(this.refusal('wait_timeout'));
        this.grantWaiters();
      }, this.waitBudgetMs());
      cancelled?.addEventListener('abort', onCancel, { once: true });
      this.waiters.push(waiter);
    });
    return this.releaser(held);
  }

  private releaser(held: number): ReleaseAdmission {
    let holding = true;
    return () => {
      if (!holding) return;
      holding = false;
      this.inProgress -= held;
      this.grantWaiters();
    };
  }

  /** Admits waiters from the head while they fit (the count moves to them before they resume). */
  private grantWaiters(): void {
    for (let head = this.waiters[0]; head !== undefined && this.inProgress + head.cost <= this.limits.capacity; head = this.waiters[0]) {
      this.inProgress += head.cost;
      head.grant();
    }
  }

  private waitBudgetMs(): number {
    const spread = Math.min(Math.max(this.limits.refusalSpread ?? 0, 0), 1);
    return this.limits.waitMs * (1 - spread * (this.limits.random ?? Math.random)());
  }

  private refusal(reason: DatabaseBusyError['reason']): Error {
    return this.refuse(reason, { inProgress: this.inProgress, waiting: this.waiters.length });
  }
}
