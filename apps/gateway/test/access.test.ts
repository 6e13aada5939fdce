import { credentials, Metadata, status as GrpcCode, type ServiceError } from '@grpc/grpc-js';
import fc from 'fast-check';
import { Client } from 'pg';
import { ExportFormat, BucketWidth, DayGroup, IngestOptions, MeterUsageServiceClient, Quantity, Scope } from '@meterusage/contracts';
import { counterTotal, createKeyWithCli, prometheusPortOf, type AppProcess, type TestDatabase } from '@meterusage/testing';
import { startKeyedStack, type KeyedStack } from './support/keyed-stack';

// Access control as a client meets it: real grpc-server (AUTH_MODE=keys) and gateway processes
// on one database. Every HTTP route and every RPC is tried with every kind of credential, and
// each answer must be the exact status the rules give, a JSON error without internals, and free
// of any meter the key is not granted.

jest.setTimeout(300_000);

/** Meters that exist; meter-1 is the seed's. Ids that appear in no message but their own. */
const METERS = ['meter-1', 'alpha-meter', 'bravo-meter', 'site-1-charlie', 'site-2-delta'] as const;
/** The meters the per-meter routes and RPCs are tried on. */
const TARGETS = ['alpha-meter', 'bravo-meter', 'site-1-charlie', 'zulu-nonexistent'] as const;
const NONEXISTENT = 'zulu-nonexistent';

type ScopeName = 'read' | 'write' | 'admin';
interface Credential {
  label: string;
  /** The Authorization header value; undefined sends none. */
  authorization: () => string | undefined;
  /** undefined: not a valid key (401). */
  key?: { scopes: ScopeName[]; grants: string[] };
}

const allows = (grants: string[], meterId: string) =>
  grants.some((grant) => grant === '*' || grant === meterId || (grant.endsWith('*') && meterId.startsWith(grant.slice(0, -1))));

/** What each route or RPC needs, and how it names its meter. */
interface Operation {
  label: string;
  scope: ScopeName | 'any' | 'public';
  /** The meter it reads or writes; undefined for the operations without one. */
  meter?: string;
  /** Status when allowed (200, 201, or 404 for revoking a key that does not exist). */
  allowedStatus: number;
  /** Lists or echoes keys, whose grants name meters: what an admin key is for. */
  showsGrants?: boolean;
  /** Sends it with the given Authorization; the HTTP status (or the gRPC code as its HTTP status) and the body as text. */
  send: (authorization: string | undefined) => Promise<{ status: number; body: string }>;
}

/** The HTTP status a credential must get for an operation: the rules, written once, plainly. */
function expectedStatus(credential: Credential, operation: Operation): number {
  if (operation.scope === 'public') return operation.allowedStatus;
  const key = credential.key;
  if (key === undefined) return 401;
  if (operation.scope !== 'any' && !key.scopes.includes(operation.scope)) return 403;
  if (operation.meter !== undefined && !allows(key.grants, operation.meter)) return operation.scope === 'write' ? 403 : 404;
  if (operation.meter === NONEXISTENT && operation.scope === 'read') return 404;
  return operation.allowedStatus;
}

const GRPC_TO_HTTP: Partial<Record<number, number>> = {
  [GrpcCode.OK]: 200,
  [GrpcCode.UNAUTHENTICATED]: 401,
  [GrpcCode.PERMISSION_DENIED]: 403,
  [GrpcCode.NOT_FOUND]: 404,
  [GrpcCode.INVALID_ARGUMENT]: 400,
};

describe('access control on HTTP and gRPC (real processes, AUTH_MODE=keys)', () => {
  let stack: KeyedStack | undefined;
  let database: TestDatabase;
  let grpcServer: AppProcess & { port: number };
  let gateway: AppProcess;
  let baseUrl: string;
  let client: MeterUsageServiceClient;
  const secrets = new Map<string, string>();
  const credentials_: Credential[] = [];
  let createdKeys = 0;

  beforeAll(async () => {
    // Rows read fresh on every call (0 ms) and no slowdown of refusals: the matrix is about answers, not timing.
    stack = await startKeyedStack('access', { AUTH_KEY_CACHE_MS: '0', AUTH_FAILURE_DELAY_MS: '0' });
    ({ database, grpcServer, gateway, baseUrl } = stack);
    client = new MeterUsageServiceClient(`127.0.0.1:${grpcServer.port}`, credentials.createInsecure());

    // The first admin key comes from the CLI (nothing can create one over the API before it exists).
    secrets.set('root', await createKeyWithCli(database.url, 'root', 'read,write,admin', '*'));
    const seed = await upload(
      `Bearer ${secrets.get('root')}`,
      undefined,
      METERS.filter((meter) => meter !== 'meter-1'),
    );
    expect(seed.status).toBe(200);
    // The others through the API, with the admin key.
    const keys: Array<[string, ScopeName[], string[]]> = [
      ['read-only', ['read'], ['alpha-meter']],
      ['writer', ['read', 'write'], ['alpha-meter']],
      ['admin', ['admin'], []],
      ['other-meter', ['read', 'write'], ['bravo-meter']],
      ['prefix', ['read', 'write'], ['site-1-*']],
      ['revoked', ['read', 'write'], ['*']],
      ['expired', ['read', 'write'], ['*']],
    ];
    for (const [name, scopes, grants] of keys) {
      const response = await fetch(`${baseUrl}/api/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secrets.get('root')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name, scopes, meters: grants }),
      });
      expect(response.status).toBe(201);
      secrets.set(name, ((await response.json()) as { secret: string }).secret);
    }
    const revoked = await fetch(`${baseUrl}/api/keys/revoked`, { method: 'DELETE', headers: { authorization: `Bearer ${secrets.get('root')}` } });
    expect(revoked.status).toBe(200);
    // An expiry is refused at creation unless in the future: this one has passed since.
    await sql(`update api_keys set expires_at = now() - interval '1 second' where name = 'expired'`);

    const bearer = (name: string) => () => `Bearer ${secrets.get(name)}`;
    credentials_.push(
      { label: 'no key', authorization: () => undefined },
      { label: 'malformed', authorization: () => 'Bearer not-a-key' },
      { label: 'another scheme', authorization: () => 'Basic cm9vdDpyb290' },
      { label: 'unknown', authorization: () => `Bearer mu_0123456789abcdef_${'A'.repeat(43)}` },
      { label: 'a known key id with a wrong secret', authorization: () => `Bearer ${secrets.get('read-only')!.slice(0, -4)}AAAA` },
      { label: 'revoked', authorization: bearer('revoked') },
      { label: 'expired', authorization: bearer('expired') },
      ...keys
        .filter(([name]) => name !== 'revoked' && name !== 'expired')
        .map(([name, scopes, grants]): Credential => ({ label: name, authorization: bearer(name), key: { scopes, grants } })),
    );
  });

  afterAll(async () => {
    client?.close();
    await stack?.close();
  });

  async function sql(text: string): Promise<Array<Record<string, unknown>>> {
    const connection = new Client({ connectionString: database.url });
    await connection.connect();
    try {
      return (await connection.query(text)).rows as Array<Record<string, unknown>>;
    } finally {
      await connection.end();
    }
  }

  /** Uploads one reading per meter (a meter_id column when there are several), the same each time: nothing changes after the first. */
  async function upload(authorization: string | undefined, meter: string | undefined, meters: readonly string[] = [meter!]) {
    const csv = `time,meterusage,meter_id\n${meters.map((id) => `2019-01-01T00:15:00Z,1,${id}`).join('\n')}\n`;
    const response = await fetch(`${baseUrl}/api/readings${meter === undefined ? '' : `?meter=${meter}`}`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', ...(authorization === undefined ? {} : { authorization }) },
      body: csv,
    });
    return { status: response.status, body: await response.text() };
  }

  const httpGet =
    (path: string, method = 'GET') =>
    async (authorization: string | undefined) => {
      const response = await fetch(`${baseUrl}${path}`, { method, headers: authorization === undefined ? {} : { authorization } });
      return { status: response.status, body: await response.text() };
    };

  function httpOperations(): Operation[] {
    const perMeter = TARGETS.flatMap((meter): Operation[] => [
      { label: `GET /api/metrics ${meter}`, scope: 'read', meter, allowedStatus: 200, send: httpGet(`/api/metrics?meter=${meter}`) },
      { label: `GET /api/readings ${meter}`, scope: 'read', meter, allowedStatus: 200, send: httpGet(`/api/readings?meter=${meter}`) },
      { label: `GET /api/usage ${meter}`, scope: 'read', meter, allowedStatus: 200, send: httpGet(`/api/usage?meter=${meter}&bucket=day`) },
      { label: `GET /api/summary ${meter}`, scope: 'read', meter, allowedStatus: 200, send: httpGet(`/api/summary?meter=${meter}`) },
      { label: `GET /api/profile ${meter}`, scope: 'read', meter, allowedStatus: 200, send: httpGet(`/api/profile?meter=${meter}`) },
      { label: `GET /api/export ${meter}`, scope: 'read', meter, allowedStatus: 200, send: httpGet(`/api/export?meter=${meter}&format=ndjson`) },
      { label: `POST /api/readings ${meter}`, scope: 'write', meter, allowedStatus: 200, send: (authorization) => upload(authorization, meter) },
    ]);
    return [
      ...perMeter,
      { label: 'GET /api/meters', scope: 'read', allowedStatus: 200, send: httpGet('/api/meters') },
      { label: 'GET /api/caller', scope: 'any', allowedStatus: 200, send: httpGet('/api/caller') },
      { label: 'GET /api/keys', scope: 'admin', allowedStatus: 200, showsGrants: true, send: httpGet('/api/keys') },
      {
        label: 'POST /api/keys',
        scope: 'admin',
        allowedStatus: 201,
        send: async (authorization) => {
          const response = await fetch(`${baseUrl}/api/keys`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
            body: JSON.stringify({ name: `made-${++createdKeys}`, scopes: ['read'], meters: ['nobody-*'] }),
          });
          return { status: response.status, body: await response.text() };
        },
      },
      { label: 'DELETE /api/keys/no-such-key', scope: 'admin', allowedStatus: 404, send: httpGet('/api/keys/no-such-key', 'DELETE') },
      { label: 'GET /api/uploads', scope: 'read', allowedStatus: 200, send: httpGet('/api/uploads') },
      { label: 'GET /api/uploads/999999999', scope: 'read', allowedStatus: 404, send: httpGet('/api/uploads/999999999') },
      { label: 'GET /api/time-zones', scope: 'public', allowedStatus: 200, send: httpGet('/api/time-zones') },
    ];
  }

  /** The gRPC code of a unary call or stream, as the HTTP status it maps to, and what came back. */
  function grpcAnswer<Response>(start: (metadata: Metadata, done: (error: ServiceError | null, response?: Response) => void) => void) {
    return (authorization: string | undefined) =>
      new Promise<{ status: number; body: string }>((resolve) => {
        const metadata = new Metadata();
        if (authorization !== undefined) metadata.set('authorization', authorization);
        start(metadata, (error, response) =>
          resolve(
            error === null
              ? { status: 200, body: JSON.stringify(response ?? null) }
              : { status: GRPC_TO_HTTP[error.code] ?? 1000 + error.code, body: JSON.stringify({ code: error.code, details: error.details }) },
          ),
        );
      });
  }

  const deadline = () => ({ deadline: Date.now() + 20_000 });

  function grpcOperations(): Operation[] {
    const perMeter = TARGETS.flatMap((meterId): Operation[] => [
      {
        label: `GetMetrics ${meterId}`,
        scope: 'read',
        meter: meterId,
        allowedStatus: 200,
        send: grpcAnswer((m, done) => client.getMetrics({ meterId }, m, deadline(), done)),
      },
      {
        label: `ListReadings ${meterId}`,
        scope: 'read',
        meter: meterId,
        allowedStatus: 200,
        send: grpcAnswer((m, done) => client.listReadings({ meterId, pageSize: 0, pageToken: '' }, m, deadline(), done)),
      },
      {
        label: `AggregateUsage ${meterId}`,
        scope: 'read',
        meter: meterId,
        allowedStatus: 200,
        send: grpcAnswer((m, done) =>
          client.aggregateUsage(
            { meterId, bucketWidth: BucketWidth.BUCKET_WIDTH_DAY, timeZone: 'UTC', quantity: Quantity.QUANTITY_ENERGY },
            m,
            deadline(),
            done,
          ),
        ),
      },
      {
        label: `GetUsageSummary ${meterId}`,
        scope: 'read',
        meter: meterId,
        allowedStatus: 200,
        send: grpcAnswer((m, done) => client.getUsageSummary({ meterId, timeZone: '', operatingHours: [] }, m, deadline(), done)),
      },
      {
        label: `GetLoadProfile ${meterId}`,
        scope: 'read',
        meter: meterId,
        allowedStatus: 200,
        send: grpcAnswer((m, done) =>
          client.getLoadProfile({ meterId, timeZone: 'UTC', slotWidth: BucketWidth.BUCKET_WIDTH_HOUR, dayGroup: DayGroup.DAY_GROUP_ALL }, m, deadline(), done),
        ),
      },
      {
        label: `GetDataVersion ${meterId}`,
        scope: 'read',
        meter: meterId,
        allowedStatus: 200,
        send: grpcAnswer((m, done) => client.getDataVersion({ meterId }, m, deadline(), done)),
      },
      {
        label: `ExportReadings ${meterId}`,
        scope: 'read',
        meter: meterId,
        allowedStatus: 200,
        send: grpcAnswer((m, done) => {
          const batches: unknown[] = [];
          const stream = client.exportReadings({ meterId, format: ExportFormat.EXPORT_FORMAT_UNSPECIFIED }, m, deadline());
          stream.on('data', (batch: unknown) => batches.push(batch));
          stream.on('error', (error: ServiceError) => done(error));
          stream.on('end', () => done(null, batches));
        }),
      },
      {
        label: `IngestReadings ${meterId}`,
        scope: 'write',
        meter: meterId,
        allowedStatus: 200,
        send: grpcAnswer((m, done) => {
          const call = client.ingestReadings(m, deadline(), (error, response) => done(error, response));
          call.write({ payload: { $case: 'options', value: IngestOptions.fromPartial({ meterId, explicitEnd: true }) } });
          call.write({ payload: { $case: 'chunk', value: Buffer.from('time,meterusage\n2019-01-01T00:15:00Z,1\n') } });
          call.write({ payload: { $case: 'end', value: {} } });
          call.end();
        }),
      },
    ]);
    return [
      ...perMeter,
      { label: 'ListMeters', scope: 'read', allowedStatus: 200, send: grpcAnswer((m, done) => client.listMeters({}, m, deadline(), done)) },
      { label: 'GetCaller', scope: 'any', allowedStatus: 200, send: grpcAnswer((m, done) => client.getCaller({}, m, deadline(), done)) },
      {
        label: 'ListApiKeys',
        scope: 'admin',
        allowedStatus: 200,
        showsGrants: true,
        send: grpcAnswer((m, done) => client.listApiKeys({}, m, deadline(), done)),
      },
      {
        label: 'CreateApiKey',
        scope: 'admin',
        allowedStatus: 200,
        send: grpcAnswer((m, done) =>
          client.createApiKey(
            { name: `made-${++createdKeys}`, scopes: [Scope.SCOPE_READ], meterGrants: ['nobody-*'], expireTime: undefined },
            m,
            deadline(),
            done,
          ),
        ),
      },
      {
        label: 'ListUploads',
        scope: 'read',
        allowedStatus: 200,
        send: grpcAnswer((m, done) => client.listUploads({ meterId: '', pageSize: 0, pageToken: '' }, m, deadline(), done)),
      },
      {
        label: 'GetUpload 999999999',
        scope: 'read',
        allowedStatus: 404,
        send: grpcAnswer((m, done) => client.getUpload({ uploadId: '999999999' }, m, deadline(), done)),
      },
      {
        label: 'RevokeApiKey no-such-key',
        scope: 'admin',
        allowedStatus: 404,
        send: grpcAnswer((m, done) => client.revokeApiKey({ name: 'no-such-key' }, m, deadline(), done)),
      },
    ];
  }

  /** Meters whose ids must not appear in an answer: the ones the credential is not granted, but for the one the request itself names. */
  function forbiddenIds(credential: Credential, operation: Operation): string[] {
    if (operation.showsGrants === true) return [];
    return METERS.filter((meter) => meter !== operation.meter && !(credential.key !== undefined && allows(credential.key.grants, meter)));
  }

  async function checkMatrix(operations: Operation[], protocol: 'HTTP' | 'gRPC') {
    const mismatches: string[] = [];
    // What a key gets for a meter that does not exist: an ungranted meter must read exactly the same.
    const notFoundBody = new Map<string, string>();
    for (const credential of credentials_) {
      for (const operation of operations) {
        const { status, body } = await operation.send(credential.authorization());
        const expected = expectedStatus(credential, operation);
        if (status !== expected)
          mismatches.push(`${protocol} ${operation.label} with ${credential.label}: ${status}, expected ${expected} (${body.slice(0, 200)})`);
        for (const meter of forbiddenIds(credential, operation)) {
          if (body.includes(meter)) mismatches.push(`${protocol} ${operation.label} with ${credential.label}: the answer names ${meter}`);
        }
        if (status >= 400) {
          if (/internal|stack|sqlstate|select |\.ts:\d|mu_[0-9a-f]{16}/i.test(body))
            mismatches.push(`${protocol} ${operation.label} with ${credential.label}: internals in ${body}`);
          if (protocol === 'HTTP' && !/^\{"error":\{"code":"[A-Z_]+","message":"[^"]/.test(body))
            mismatches.push(`HTTP ${operation.label}: not the error body: ${body}`);
        }
        if (status === 404 && operation.meter !== undefined) {
          const kind = `${credential.label} ${operation.label.replace(operation.meter, '')}`;
          const generic = body.replaceAll(operation.meter, '<meter>');
          if (!notFoundBody.has(kind)) notFoundBody.set(kind, generic);
          else if (notFoundBody.get(kind) !== generic)
            mismatches.push(
              `${protocol} ${operation.label} with ${credential.label}: 404 differs from an unknown meter's: ${generic} vs ${notFoundBody.get(kind)}`,
            );
        }
      }
    }
    expect(mismatches).toEqual([]);
  }

  it('answers every HTTP route with the status the key, its scopes and its grants give, naming no other meter', async () => {
    await checkMatrix(httpOperations(), 'HTTP');
  });

  it('answers every RPC the same way, called directly over gRPC', async () => {
    await checkMatrix(grpcOperations(), 'gRPC');
  });

  it('lists only granted meters, and refuses a whole upload when any meter in it is not granted', async () => {
    const listed = async (name: string) => {
      const response = await fetch(`${baseUrl}/api/meters`, { headers: { authorization: `Bearer ${secrets.get(name)}` } });
      return ((await response.json()) as { meters: Array<{ meterId: string }> }).meters.map((meter) => meter.meterId);
    };
    expect(await listed('root')).toEqual([...METERS].sort());
    expect(await listed('prefix')).toEqual(['site-1-charlie']);
    expect(await listed('read-only')).toEqual(['alpha-meter']);

    const prefix = `Bearer ${secrets.get('prefix')}`;
    const mixed = await upload(prefix, undefined, ['site-1-new', 'site-2-new']);
    expect(mixed.status).toBe(403);
    expect(JSON.parse(mixed.body)).toEqual({
      error: {
        code: 'PERMISSION_DENIED',
        message: 'the API key "prefix" may not write meter "site-2-new"; nothing was written (a whole upload is refused if any meter in it is)',
      },
    });
    expect(await sql(`select meter_id from meters where meter_id like '%-new'`)).toEqual([]);
    expect((await upload(prefix, undefined, ['site-1-new', 'site-1-newer'])).status).toBe(200);
    expect(await listed('prefix')).toEqual(['site-1-charlie', 'site-1-new', 'site-1-newer']);

    // A grant is a plain prefix: "_" in it is a character, not SQL LIKE's any-character.
    expect((await upload(`Bearer ${secrets.get('root')}`, undefined, ['lit_1-a', 'litX1-b'])).status).toBe(200);
    const literal = await fetch(`${baseUrl}/api/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secrets.get('root')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'literal', scopes: ['read'], meters: ['lit_1*'] }),
    });
    secrets.set('literal', ((await literal.json()) as { secret: string }).secret);
    expect(await listed('literal')).toEqual(['lit_1-a']);
  });

  it('refuses any Authorization value that is not a valid key with 401 and the same words (generated values)', async () => {
    const messages = new Set(['the authorization value is not "Bearer <secret>" with the secret of an API key', 'the API key is not valid']);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.stringMatching(/^[\x21-\x7e][\x20-\x7e]{0,80}$/),
          fc.stringMatching(/^[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/).map((rest) => `Bearer mu_${rest}`),
          fc.stringMatching(/^[\x21-\x7e]{1,60}$/).map((rest) => `Bearer ${rest}`),
        ),
        async (authorization) => {
          const response = await fetch(`${baseUrl}/api/meters`, { headers: { authorization } });
          const body = (await response.json()) as { error: { code: string; message: string } };
          expect([authorization, response.status, body.error.code, messages.has(body.error.message)]).toEqual([authorization, 401, 'UNAUTHENTICATED', true]);
          expect(response.headers.get('www-authenticate')).toBe('Bearer realm="meterusage"');
        },
      ),
      { numRuns: 60 },
    );
  });

  it('gives a key with generated grants exactly the meters they name, in listings and reads', async () => {
    const grant = fc.oneof(
      fc.constantFrom(...METERS, '*', 'site-*', 'site-1-*', 'a*', 'zulu-*'),
      fc.constantFrom(...METERS).map((id) => `${id.slice(0, 4)}*`),
    );
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(grant, { minLength: 1, maxLength: 4 }), async (grants) => {
        const created = await fetch(`${baseUrl}/api/keys`, {
          method: 'POST',
          headers: { authorization: `Bearer ${secrets.get('root')}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: `generated-${++createdKeys}`, scopes: ['read'], meters: grants }),
        });
        expect(created.status).toBe(201);
        const authorization = `Bearer ${((await created.json()) as { secret: string }).secret}`;
        const existing = (await sql(`select meter_id from meters order by meter_id`)).map((row) => row.meter_id as string);
        const meters = (await (await fetch(`${baseUrl}/api/meters`, { headers: { authorization } })).json()) as { meters: Array<{ meterId: string }> };
        expect(meters.meters.map((meter) => meter.meterId)).toEqual(existing.filter((meter) => allows(grants, meter)));
        for (const meter of METERS) {
          const summary = await fetch(`${baseUrl}/api/summary?meter=${meter}`, { headers: { authorization } });
          expect([meter, summary.status]).toEqual([meter, allows(grants, meter) ? 200 : 404]);
        }
      }),
      { numRuns: 12 },
    );
  });

  it('counts refusals by reason, logs writes and key changes with the key name, and never shows a secret in logs, metrics, answers or the database', async () => {
    const metricsPort = prometheusPortOf(grpcServer)!;
    expect(await counterTotal(metricsPort, /^meterusage_access_refused_total$/, /reason="revoked"/)).toBeGreaterThan(0);
    expect(await counterTotal(metricsPort, /^meterusage_access_refused_total$/, /reason="missing"/)).toBeGreaterThan(0);
    const audit = grpcServer.logs.filter((line) => line.audit === true);
    expect(
      audit.some((line) => line.key === 'prefix' && line.msg === 'ingest committed' && typeof line.requestId === 'string' && typeof line.uploadId === 'string'),
    ).toBe(true);
    expect(audit.some((line) => line.key === 'root' && line.created === 'read-only')).toBe(true);
    expect(audit.some((line) => line.key === 'root' && line.msg === 'ingest committed')).toBe(true);
    expect(audit.some((line) => line.key === 'prefix' && line.msg === 'call authorized' && line.method === 'IngestReadings')).toBe(true);

    const everything = [
      grpcServer.output.join('\n'),
      gateway.output.join('\n'),
      await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text(),
      await (await fetch(`${baseUrl}/metrics`)).text(),
      await (await fetch(`${baseUrl}/api/keys`, { headers: { authorization: `Bearer ${secrets.get('root')}` } })).text(),
      JSON.stringify(await sql(`select *, encode(secret_hash, 'escape') as hash_text, encode(salt, 'escape') as salt_text from api_keys`)),
    ].join('\n');
    for (const [name, secret] of secrets) {
      // The random part: after "mu_", 16 hex digits and "_" (it may hold "_" itself).
      const random = secret.slice('mu_0123456789abcdef_'.length);
      expect([name, everything.includes(secret), everything.includes(random)]).toEqual([name, false, false]);
    }
  });
  it('answers any key name, grant or expiry an admin sends with 201, 400, 404 or 409, never a 5xx (generated values)', async () => {
    const admin = { authorization: `Bearer ${secrets.get('root')}` };
    const text = fc.oneof(fc.string({ maxLength: 70 }), fc.stringMatching(/^[A-Za-z0-9._*:-]{1,70}$/), fc.constantFrom('\u0000', 'a\u0000b', '*', '%', '_*'));
    await fc.assert(
      fc.asyncProperty(
        text,
        fc.array(text, { maxLength: 3 }),
        fc.option(fc.date({ noInvalidDate: true }), { nil: undefined }),
        async (name, meters, expires) => {
          const body = JSON.stringify({ name, scopes: ['read'], meters, ...(expires === undefined ? {} : { expiresAt: expires.toISOString() }) });
          const created = await fetch(`${baseUrl}/api/keys`, { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body });
          expect([name, meters, created.status < 500]).toEqual([name, meters, true]);
          const revoked = await fetch(`${baseUrl}/api/keys/${encodeURIComponent(name)}`, { method: 'DELETE', headers: admin });
          expect([name, revoked.status]).toEqual([name, created.status === 201 ? 200 : expect.any(Number)]);
          expect([name, [200, 400, 404].includes(revoked.status)]).toEqual([name, true]);
        },
      ),
      { numRuns: 60 },
    );
  });
});
