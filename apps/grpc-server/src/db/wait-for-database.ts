import { sql, type Kysely } from 'kysely';
import type { Database } from './schema';
import type { Logger } from '../logger';

export interface RetryPolicy {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: Omit<RetryPolicy, 'attempts'> = { initialDelayMs: 250, maxDelayMs: 5_000 };

/**
 * Resolves once `select 1` succeeds; retries with exponential backoff up to policy.attempts,
 * then throws the last error. Start-up uses it so a database that comes up late is waited for.
 */
export async function waitForDatabase(db: Kysely<Database>, policy: RetryPolicy, logger: Logger): Promise<void> {
  let delayMs = policy.initialDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      await sql`select 1`.execute(db);
      if (attempt > 1) logger.info({ attempt }, 'database reachable');
      return;
    } catch (error) {
      if (attempt >= policy.attempts) {
        throw new Error(`database unreachable after ${attempt} attempts: ${(error as Error).message}`, { cause: error });
      }
      logger.warn({ attempt, of: policy.attempts, retryInMs: delayMs, reason: (error as Error).message }, 'database not reachable yet');
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      delayMs = Math.min(delayMs * 2, policy.maxDelayMs);
    }
  }
}
