// Baselines of the load benchmark, measured in the same run at the same concurrency:
//  1. GET /healthz alone: what this client and the gateway's HTTP layer manage with no work behind;
//  2. the main query (one meter, a year by day in Europe/Amsterdam) alone through the gateway;
//  3. the same statement as raw SQL with pg over as many connections as grpc-server's pool, so
//     2 vs 3 is what the whole stack adds to PostgreSQL's own time under load.
import pg from 'pg';
import { startOfLocalDate } from '@meterusage/time';
import { reportOf, runClosedLoop, type HttpClient, type Operation, type RouteReport } from './load-driver';
import { usageBuckets } from './raw-queries';

const AMSTERDAM = 'Europe/Amsterdam';

interface BaselineOptions {
  client: HttpClient;
  databaseUrl: string;
  connections: number;
  seconds: number;
  data: { meterIds: string[] };
  /** Connections of the raw-SQL variant: grpc-server's DB_POOL_MAX_CONN. */
  poolSize: number;
  random: () => number;
}

/** Runs the three baselines one after the other; returns their totals in the order above. */
export async function mainQueryBaselines(options: BaselineOptions): Promise<RouteReport[]> {
  const { client, connections: workers, seconds, random } = options;
  const meter = () => options.data.meterIds[Math.floor(random() * options.data.meterIds.length)]!;
  const phase = async (route: string, operation: Operation) => ({
    ...reportOf(await runClosedLoop({ workers, seconds, pick: () => operation }), seconds).total,
    route,
  });

  const healthz: Operation = async (recorder) => void (await client.get(recorder, 'healthz', '/healthz'));
  const floor = await phase('GET /healthz alone (HTTP floor)', healthz);

  const viaGateway: Operation = async (recorder) =>
    void (await client.get(recorder, 'usage', `/api/usage?meter=${meter()}&from=2019-01-01&to=2020-01-01&bucket=day&tz=${AMSTERDAM}`));
  const e2e = await phase('GET /api/usage 1 year by day, Amsterdam, alone', viaGateway);

  const year = { startMs: startOfLocalDate('2019-01-01', AMSTERDAM)!, endMs: startOfLocalDate('2020-01-01', AMSTERDAM)!, timeZone: AMSTERDAM };
  const pool = await ClientPool.open(options.databaseUrl, options.poolSize);
  try {
    const rawSql: Operation = async (recorder) =>
      void (await recorder.measure('raw', [200], () =>
        pool.use(async (connection) => {
          const rows = await usageBuckets(connection, meter(), { ...year, width: 'day' });
          if (rows.length !== 365) throw new Error(`raw SQL gave ${rows.length} day buckets, expected 365`);
          return { status: 200 };
        }),
      ));
    const raw = await phase(`the same, raw SQL via pg, ${options.poolSize} connections`, rawSql);
    return [floor, e2e, raw];
  } finally {
    await pool.close();
  }
}

/** pg.Clients shared by many callers, each waiting its turn for a free one (as a pool does). */
class ClientPool {
  private readonly waiting: ((connection: pg.Client) => void)[] = [];
  private constructor(
    private readonly all: pg.Client[],
    private readonly free: pg.Client[],
  ) {}

  static async open(databaseUrl: string, size: number): Promise<ClientPool> {
    const clients = Array.from({ length: size }, () => new pg.Client({ connectionString: databaseUrl }));
    await Promise.all(clients.map((connection) => connection.connect()));
    return new ClientPool(clients, [...clients]);
  }

  async use<Result>(run: (connection: pg.Client) => Promise<Result>): Promise<Result> {
    const connection = this.free.pop() ?? (await new Promise<pg.Client>((resolve) => this.waiting.push(resolve)));
    try {
      return await run(connection);
    } finally {
      const next = this.waiting.shift();
      if (next) next(connection);
      else this.free.push(connection);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((connection) => connection.end()));
  }
}
