import {
  createTestDatabase,
  freePort,
  SAMPLE_CSV_PATH,
  startApp,
  startGrpcServer,
  waitUntil,
  type AppProcess,
  type LogLine,
  type TestDatabase,
} from '@meterusage/testing';

// Real processes on a busy 2-core machine.
jest.setTimeout(180_000);

const REQUESTS_WHILE_DOWN = 30;
const UNREACHABLE = /^grpc-server at .* is unreachable/;

describe('gateway logs while grpc-server is unreachable (a real gateway process)', () => {
  let database: TestDatabase | undefined;
  let gateway: AppProcess | undefined;
  let grpcServer: AppProcess | undefined;

  afterAll(async () => {
    await gateway?.stop('SIGTERM');
    await grpcServer?.stop('SIGTERM');
    await database?.drop();
  });

  it('warns once that grpc-server is unreachable, logs each 503 without a stack, and says once when it is back', async () => {
    database = await createTestDatabase('quiet_logs');
    const grpcPort = await freePort();
    const httpPort = await freePort();
    gateway = startApp('gateway', { HTTP_HOST: '127.0.0.1', HTTP_PORT: String(httpPort), GRPC_TARGET: `127.0.0.1:${grpcPort}` });
    await gateway.waitForLog((line) => String(line.msg).startsWith('dashboard at'));
    const baseUrl = `http://127.0.0.1:${httpPort}`;

    const statuses: number[] = [];
    for (let index = 0; index < REQUESTS_WHILE_DOWN; index++) {
      statuses.push((await fetch(`${baseUrl}/api/metrics`)).status, (await fetch(`${baseUrl}/readyz`)).status);
    }
    expect(new Set(statuses)).toEqual(new Set([503]));
    const whileDown = [...gateway.logs];
    expect(whileDown.filter((line) => UNREACHABLE.test(String(line.msg)))).toHaveLength(1);
    expect(whileDown.filter((line) => UNREACHABLE.test(String(line.msg)))[0]).toMatchObject({ level: 40 });
    expect(whileDown.filter((line) => (line.level as number) >= 50)).toEqual([]);
    expect(whileDown.filter((line) => hasStack(line))).toEqual([]);

    grpcServer = await startGrpcServer({ DATABASE_URL: database.url, CSV_PATH: SAMPLE_CSV_PATH, GRPC_PORT: String(grpcPort) });
    await waitUntil('the gateway answers 200 again', async () => (await fetch(`${baseUrl}/api/metrics`)).status === 200, { timeoutMs: 60_000 });
    for (let index = 0; index < 5; index++) expect((await fetch(`${baseUrl}/readyz`)).status).toBe(200);

    const reachable = gateway.logs.filter((line) => /^grpc-server at .* is reachable again$/.test(String(line.msg)));
    expect(reachable).toHaveLength(1);
    expect(reachable[0]).toMatchObject({ level: 30 });
    expect(gateway.logs.filter((line) => UNREACHABLE.test(String(line.msg)))).toHaveLength(1);
  });
});

function hasStack(line: LogLine): boolean {
  return JSON.stringify(line).includes('"stack"');
}
