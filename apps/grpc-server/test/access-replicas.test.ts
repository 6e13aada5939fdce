import { credentials, Metadata, status as GrpcCode, type ServiceError } from '@grpc/grpc-js';
import { AUTH_REQUIRED_METADATA, AuthMode, MeterUsageServiceClient, type GetCallerResponse } from '@meterusage/contracts';
import { createKeyWithCli, createTestDatabase, SAMPLE_CSV_PATH, startGrpcServer, type AppProcess, type TestDatabase } from '@meterusage/testing';

jest.setTimeout(120_000);

// Keys shared by replicas through their database, and the modes: two grpc-server processes
// with the documented defaults (AUTH_KEY_CACHE_MS 2 s, AUTH_FAILURE_DELAY_MS 500 ms) on one
// database, and one listening on every interface with AUTH_MODE=off set explicitly and the
// deprecated INGEST_TOKEN.

const KEY_CACHE_MS = 2000;
const FAILURE_DELAY_MS = 500;
const LEGACY_TOKEN = 'legacy-ingest-token-0123456789';

describe('API keys across grpc-server replicas and modes (real processes)', () => {
  let database: TestDatabase;
  const servers: Array<AppProcess & { port: number }> = [];
  const clients: MeterUsageServiceClient[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('access_replicas');
    for (let index = 0; index < 2; index++) {
      servers.push(await startGrpcServer({ DATABASE_URL: database.url, METER_ID: 'meter-1', CSV_PATH: SAMPLE_CSV_PATH, AUTH_MODE: 'keys' }));
    }
    servers.push(
      // Off beyond loopback: only by explicit choice, and warned about.
      await startGrpcServer({
        DATABASE_URL: database.url,
        METER_ID: 'meter-1',
        CSV_PATH: SAMPLE_CSV_PATH,
        GRPC_HOST: '0.0.0.0',
        AUTH_MODE: 'off',
        INGEST_TOKEN: LEGACY_TOKEN,
      }),
    );
    for (const server of servers) clients.push(new MeterUsageServiceClient(`127.0.0.1:${server.port}`, credentials.createInsecure()));
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    for (const server of servers) await server.stop();
    await database?.drop();
  });

  const metadataOf = (entries: Record<string, string>) => {
    const metadata = new Metadata();
    for (const [key, value] of Object.entries(entries)) metadata.set(key, value);
    return metadata;
  };
  const caller = (client: MeterUsageServiceClient, entries: Record<string, string>) =>
    new Promise<{ code: number; response?: GetCallerResponse; details?: string }>((resolve) =>
      client.getCaller({}, metadataOf(entries), { deadline: Date.now() + 10_000 }, (error: ServiceError | null, response?: GetCallerResponse) =>
        resolve(error === null ? { code: GrpcCode.OK, response } : { code: error.code, details: error.details }),
      ),
    );
  const listMeters = (client: MeterUsageServiceClient, entries: Record<string, string>) =>
    new Promise<number>((resolve) =>
      client.listMeters({}, metadataOf(entries), { deadline: Date.now() + 10_000 }, (error) => resolve(error?.code ?? GrpcCode.OK)),
    );

  it('refuses a key revoked on one replica on that replica at once and on the other once AUTH_KEY_CACHE_MS has passed', async () => {
    const admin = { authorization: `Bearer ${await createKeyWithCli(database.url, 'replica-admin', 'admin', '')}` };
    const reader = { authorization: `Bearer ${await createKeyWithCli(database.url, 'replica-reader', 'read', 'meter-1')}` };
    // Both replicas know the key (and keep its row for up to AUTH_KEY_CACHE_MS).
    expect([await listMeters(clients[0]!, reader), await listMeters(clients[1]!, reader)]).toEqual([GrpcCode.OK, GrpcCode.OK]);

    const revoked = await new Promise<ServiceError | null>((resolve) =>
      clients[0]!.revokeApiKey({ name: 'replica-reader' }, metadataOf(admin), { deadline: Date.now() + 10_000 }, (error) => resolve(error)),
    );
    expect(revoked).toBeNull();
    expect(await caller(clients[0]!, reader)).toEqual({ code: GrpcCode.UNAUTHENTICATED, details: 'the API key was revoked' });
    await new Promise((resolve) => setTimeout(resolve, KEY_CACHE_MS));
    expect(await caller(clients[1]!, reader)).toEqual({ code: GrpcCode.UNAUTHENTICATED, details: 'the API key was revoked' });
  });

  it('answers a failed authentication only after AUTH_FAILURE_DELAY_MS', async () => {
    const startedAt = performance.now();
    expect((await caller(clients[1]!, { authorization: 'Bearer nonsense' })).code).toBe(GrpcCode.UNAUTHENTICATED);
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(FAILURE_DELAY_MS - 20);
  });

  it('with AUTH_MODE=off, lets every caller do everything, unless the caller asks for keys to be checked', async () => {
    const off = clients[2]!;
    expect(await caller(off, {})).toEqual({
      code: GrpcCode.OK,
      response: { authMode: AuthMode.AUTH_MODE_OFF, keyName: 'anonymous', scopes: [1, 2, 3], meterGrants: ['*'] },
    });
    // What a gateway with AUTH_MODE=keys sends: then a key is needed here too.
    expect(await caller(off, { [AUTH_REQUIRED_METADATA]: 'keys' })).toMatchObject({ code: GrpcCode.UNAUTHENTICATED });
    const reader = `Bearer ${await createKeyWithCli(database.url, 'off-reader', 'read', 'meter-*')}`;
    expect(await caller(off, { [AUTH_REQUIRED_METADATA]: 'keys', authorization: reader })).toEqual({
      code: GrpcCode.OK,
      response: { authMode: AuthMode.AUTH_MODE_KEYS, keyName: 'off-reader', scopes: [1], meterGrants: ['meter-*'] },
    });
    expect(servers[2]!.logs.some((line) => line.deprecated === 'INGEST_TOKEN' && line.level === 40)).toBe(true);
    expect(servers[2]!.logs.filter((line) => line.level === 40 && String(line.msg).startsWith('AUTH_MODE=off while listening on 0.0.0.0'))).toHaveLength(1);
    expect(servers[0]!.logs.find((line) => line.authMode !== undefined)).toMatchObject({
      authMode: 'keys',
      msg: 'access: every call needs an API key (AUTH_MODE=keys)',
    });
  });

  it('accepts the deprecated INGEST_TOKEN as a write key for every meter, and for nothing else', async () => {
    const legacy = { [AUTH_REQUIRED_METADATA]: 'keys', authorization: `Bearer ${LEGACY_TOKEN}` };
    expect(await caller(clients[2]!, legacy)).toEqual({
      code: GrpcCode.OK,
      response: { authMode: AuthMode.AUTH_MODE_KEYS, keyName: 'ingest-token', scopes: [2], meterGrants: ['*'] },
    });
    expect(await listMeters(clients[2]!, legacy)).toBe(GrpcCode.PERMISSION_DENIED);
    // A replica without INGEST_TOKEN does not know it.
    expect((await caller(clients[0]!, { authorization: `Bearer ${LEGACY_TOKEN}` })).code).toBe(GrpcCode.UNAUTHENTICATED);
  });
});
