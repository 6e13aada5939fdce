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
  // pg-pool listens for errors only while a client is idle. A checked-out client (an export's
  // cursor, an upload's transaction, a query in flight) whose connection dies also emits 'error'
  // on the client itself (57P01, "Connection terminated unexpectedly", ECONNRESET); unhandled, that
  // too kills the process. The work using the client sees the same error through its own query,
  // and a client that is no longer queryable is discarded when released, so logging is enough.
  pool.on('connect', (client) => {
    client.on('error', (error) => logger.debug({ err: error }, 'database connection in use failed; its call fails and the pool replaces it'));
  });

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
