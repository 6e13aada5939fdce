import { Client } from 'pg';
import { adminDatabaseUrl } from './database';

/**
 * Kills (pg_terminate_backend) the connections to one test database, optionally only those of one
 * application_name, and resolves with how many were killed. Refuses any database that is not a
 * test database of createTestDatabase, so the shared server's other users are never disturbed.
 */
export async function terminateConnections(databaseUrl: string, options: { applicationName?: string } = {}): Promise<number> {
  const database = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  if (!database.startsWith('mu_test_')) throw new Error(`refusing to terminate connections to "${database}": not a test database`);
  const client = new Client({ connectionString: adminDatabaseUrl() });
  await client.connect();
  try {
    const { rows } = await client.query<{ terminated: boolean }>(
      `select pg_terminate_backend(pid) as terminated from pg_stat_activity
       where datname = $1 and pid <> pg_backend_pid() and ($2::text is null or application_name = $2)`,
      [database, options.applicationName ?? null],
    );
    return rows.filter((row) => row.terminated).length;
  } finally {
    await client.end();
  }
}

/**
 * Polls check() until it returns something other than undefined or false, and resolves with that
 * value and the time it took; rejects after timeoutMs with the description and the last error.
 */
export async function waitUntil<T>(
  description: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<{ value: T; elapsedMs: number }> {
  const { timeoutMs = 30_000, intervalMs = 100 } = options;
  const startedAt = performance.now();
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return { value, elapsedMs: Math.round(performance.now() - startedAt) };
    } catch (error) {
      lastError = error;
    }
    if (performance.now() - startedAt > timeoutMs) {
      const reason = lastError instanceof Error ? `: last error ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting until ${description}${reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
