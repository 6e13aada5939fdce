import type pg from 'pg';
import { DatabaseBusyError } from '../errors';
import type { Logger } from '../logger';

export interface DatabaseHealthOptions {
  /** Milliseconds from the end of one check to the start of the next (DB_HEALTH_INTERVAL_MS). */
  intervalMs: number;
  /** Milliseconds `select 1` may take once it has a connection; getting one is bounded by the pool's connect timeout. */
  queryTimeoutMs?: number;
  /** Told once per change: false after a check failed, true once one succeeds again. */
  onChange(healthy: boolean): void;
}

export interface DatabaseHealthMonitor {
  /** Clears the timer and resolves once a check in flight has settled; onChange is not called again. */
  stop(): Promise<void>;
}

const DEFAULT_QUERY_TIMEOUT_MS = 2_000;

/**
 * Checks the database with `select 1` every intervalMs, one check at a time, starting from
 * healthy (start it once the server reports SERVING). A failed check is retried once at once on a
 * fresh connection, so one connection that died (the rest of the pool fine) does not flip readiness.
 */
export function monitorDatabaseHealth(pool: pg.Pool, options: DatabaseHealthOptions, logger: Logger): DatabaseHealthMonitor {
  const queryTimeoutMs = options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  let healthy = true;
  let unhealthySince = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;

  const check = async (): Promise<void> => {
    // A pool too busy to lend a connection is a database that answers: overload is not an outage.
    const outcome = (error: unknown) => (error instanceof DatabaseBusyError ? undefined : (error as Error));
    const failure = await selectOne(pool, queryTimeoutMs).then(
      () => undefined,
      (error: unknown) => (stopped || error instanceof DatabaseBusyError ? outcome(error) : selectOne(pool, queryTimeoutMs).then(() => undefined, outcome)),
    );
    if (stopped) return; // shutting down: readiness is the shutdown's now
    if (failure !== undefined && healthy) {
      healthy = false;
      unhealthySince = performance.now();
      logger.warn({ reason: failure.message }, `database check failed: NOT_SERVING until it succeeds again (${failure.message})`);
      options.onChange(false);
    } else if (failure === undefined && !healthy) {
      healthy = true;
      logger.info({ downMs: Math.round(performance.now() - unhealthySince) }, 'database check succeeded again: SERVING');
      options.onChange(true);
    }
  };

  const schedule = () => {
    timer = setTimeout(() => {
      inFlight = check()
        .catch((error: unknown) => logger.error({ err: error }, 'database health check crashed'))
        .finally(() => {
          inFlight = undefined;
          if (!stopped) schedule();
        });
    }, options.intervalMs);
    timer.unref();
  };
  schedule();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
    },
  };
}

/** One `select 1` on a pooled connection; a connection that failed or timed out is discarded, not reused. */
async function selectOne(pool: pg.Pool, queryTimeoutMs: number): Promise<void> {
  const client = await pool.connect();
  let failure: Error | undefined;
  try {
    // pg supports a per-query query_timeout (it fails the query with "Query read timeout"); @types/pg omits it.
    const query: pg.QueryConfig & { query_timeout: number } = { text: 'select 1', query_timeout: queryTimeoutMs };
    await client.query(query);
  } catch (error) {
    failure = error as Error;
    throw error;
  } finally {
    client.release(failure);
  }
}
