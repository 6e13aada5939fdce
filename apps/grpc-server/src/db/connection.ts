import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { Admission } from '../admission';
import { DatabaseBusyError } from '../errors';
import type { Logger } from '../logger';
import type { Database } from './schema';

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  /** The pool behind db, for what Kysely cannot do (COPY). */
  readonly pool: GatedPool;
  close(): Promise<void>;
}

export interface ConnectionOptions {
  connectionString: string;
  poolMin: number;
  poolMax: number;
  /** Milliseconds opening a new connection may take; past it the database counts as unavailable. */
  connectTimeoutMs: number;
  /** Milliseconds a call waits for a free connection when all are in use; past it the call is refused as busy (default: connectTimeoutMs). */
  poolWaitMs?: number;
  /** Most calls waiting for a free connection; one more is refused as busy at once (default: no limit). */
  poolQueueMax?: number;
  /** PostgreSQL cancels statements running longer than this (SQLSTATE 57014); omitted = no limit. */
  statementTimeoutMs?: number;
}

/** A bounded pool and the Kysely instance over it. Connections open lazily, on first use. */
export function openDatabase(options: ConnectionOptions, logger: Logger): DatabaseHandle {
  const pool = new GatedPool(
    { waitMs: options.poolWaitMs ?? options.connectTimeoutMs, queueMax: options.poolQueueMax ?? Number.POSITIVE_INFINITY },
    {
      connectionString: options.connectionString,
      min: options.poolMin,
      max: options.poolMax,
      connectionTimeoutMillis: options.connectTimeoutMs,
      ...(options.statementTimeoutMs === undefined ? {} : { statement_timeout: options.statementTimeoutMs }),
      idleTimeoutMillis: 30_000,
      application_name: 'meterusage-grpc-server',
    },
  );
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

type BusyReason = DatabaseBusyError['reason'];

type ConnectCallback = (error: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void;

/**
 * A pg.Pool whose callers wait for a free connection in the server's Admission (one unit per
 * connection), bounded in length (queueMax) and in time (waitMs), and are refused with
 * DatabaseBusyError past either: being busy is not an outage. pg-pool has one timeout for both
 * waiting for a slot and opening a connection and reports both as "timeout exceeded when trying to
 * connect"; here a call only reaches pg-pool once it holds one of `max` permits, so pg-pool's
 * connectionTimeoutMillis times the opening of a connection alone, and its failure still means the
 * database is unavailable.
 */
export class GatedPool extends pg.Pool {
  private readonly permits: Admission;
  private readonly busyListeners: ((reason: BusyReason) => void)[] = [];

  constructor(limits: { waitMs: number; queueMax: number }, config: pg.PoolConfig & { max: number }) {
    super(config);
    this.permits = new Admission({ capacity: config.max, ...limits }, (reason, { waiting }) => {
      for (const listener of this.busyListeners) listener(reason);
      return new DatabaseBusyError(config.max, waiting, reason);
    });
  }

  /** Calls listener on every refusal as busy (the metrics count them). */
  onBusy(listener: (reason: BusyReason) => void): void {
    this.busyListeners.push(listener);
  }

  /** Calls waiting for a free connection (in this pool's queue, before pg-pool's). */
  get queuedCount(): number {
    return this.permits.waitingCount;
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | void {
    const connected = this.acquire();
    if (callback === undefined) return connected;
    connected.then(
      (client) => callback(undefined, client, (release) => client.release(release as Error | boolean | undefined)),
      (error: Error) => callback(error, undefined, () => undefined),
    );
  }

  private async acquire(): Promise<pg.PoolClient> {
    const returnPermit = await this.permits.admit(1);
    let client: pg.PoolClient;
    try {
      client = await super.connect();
    } catch (error) {
      returnPermit();
      throw error;
    }
    const release = client.release.bind(client);
    client.release = (destroy?: Error | boolean) => {
      release(destroy); // pg-pool throws on a second release; the permit goes back once (returnPermit is idempotent)
      returnPermit();
    };
    return client;
  }
}
