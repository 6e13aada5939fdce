import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Logger } from '../logger';
import type { Database } from './schema';

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  /** The pool behind db, for what Kysely cannot do (COPY). */
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

export interface ConnectionOptions {
  connectionString: string;
  poolMin: number;
  poolMax: number;
  connectTimeoutMs: number;
  /** PostgreSQL cancels statements running longer than this (SQLSTATE 57014); omitted = no limit. */
  statementTimeoutMs?: number;
}

/** A bounded pool and the Kysely instance over it. Connections open lazily, on first use. */
export function openDatabase(options: ConnectionOptions, logger: Logger): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    min: options.poolMin,
    max: options.poolMax,
    connectionTimeoutMillis: options.connectTimeoutMs,
    ...(options.statementTimeoutMs === undefined ? {} : { statement_timeout: options.statementTimeoutMs }),
    idleTimeoutMillis: 30_000,
    application_name: 'meterusage-grpc-server',
  });
  // An idle client whose server went away emits 'error' on the pool; unhandled, it kills the process.
  pool.on('error', (error) => logger.warn({ err: error }, 'idle database connection failed; the pool replaces it'));

  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    db,
    pool,
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy(); // ends the pool too
    },
  };
}
