import { Client } from 'pg';
import { createTestDatabase, runKeysCli, type TestDatabase } from '@meterusage/testing';

jest.setTimeout(120_000);

// The keys CLI as an operator runs it (a separate Node process) against a fresh database: what
// it prints, what it stores, and its documented exit statuses.
describe('the keys CLI (meterusage-keys)', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('keys_cli');
  });
  afterAll(async () => {
    await database?.drop();
  });

  const keys = (...args: string[]) => runKeysCli(args, database.url);

  it('creates a key on a database grpc-server never migrated, printing its secret once, as JSON with --json', async () => {
    const created = await keys('create', '--name', 'ops', '--scopes', 'write,read', '--meters', 'meter-1, site-*', '--expires', '30d', '--json');
    expect(created.code).toBe(0);
    const json = JSON.parse(created.stdout) as Record<string, unknown>;
    expect(json).toEqual({
      name: 'ops',
      scopes: ['read', 'write'],
      meters: ['meter-1', 'site-*'],
      expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      createdAt: expect.any(String),
      lastUsedAt: null,
      revokedAt: null,
      secret: expect.stringMatching(/^mu_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/),
    });
    expect(Date.parse(json.expiresAt as string) - Date.now()).toBeGreaterThan(29 * 86_400_000);

    const listed = await keys('list', '--json');
    expect(listed.code).toBe(0);
    expect(listed.stdout).not.toContain(json.secret as string);
    expect((JSON.parse(listed.stdout) as { keys: Array<{ name: string }> }).keys.map((key) => key.name)).toEqual(['ops']);
    // Stored: a hash of the secret, never the secret or its random part.
    const client = new Client({ connectionString: database.url });
    await client.connect();
    const rows = await client.query(`select row_to_json(k)::text as row from api_keys k`);
    await client.end();
    // The random part: after "mu_", 16 hex digits and "_" (it may hold "_" itself).
    const random = (json.secret as string).slice('mu_0123456789abcdef_'.length);
    expect(rows.rows.map((row: { row: string }) => [row.row.includes(json.secret as string), row.row.includes(random)])).toEqual([[false, false]]);

    const text = await keys('create', '--name', 'plain', '--scopes', 'admin');
    expect([text.code, text.stdout]).toEqual([
      0,
      expect.stringMatching(/^created plain\tadmin\t-\tno expiry\tlast used never\nsecret \(shown this once; [^\n]+\nmu_/),
    ]);
  });

  it('exits 1 for a name already given (even to a revoked key) and for revoking a key that does not exist', async () => {
    expect((await keys('create', '--name', 'once', '--scopes', 'read', '--meters', '*')).code).toBe(0);
    expect((await keys('revoke', 'once', '--json')).code).toBe(0);
    const again = await keys('create', '--name', 'once', '--scopes', 'read', '--meters', '*');
    expect([again.code, again.stderr]).toEqual([
      1,
      'meterusage-keys: name: a key named "once" exists (or existed: names of revoked keys are not given again)\n',
    ]);
    const missing = await keys('revoke', 'nobody');
    expect([missing.code, missing.stderr]).toEqual([1, 'meterusage-keys: API key "nobody" not found\n']);
  });

  it('exits 2 naming every invalid value, or the usage error', async () => {
    const invalid = await keys('create', '--name=-bad name', '--scopes', 'read,root', '--meters', 'a*b');
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('name: must be 1 to 64 letters');
    expect(invalid.stderr).toContain('scopes: must each be one of read, write, admin, got "root"');
    expect(invalid.stderr).toContain('meter_grants: must each be a meter id');
    expect((await keys('create', '--name', 'x', '--scopes', 'read')).stderr).toContain('meter_grants: must list at least one grant');
    expect((await keys('create', '--name', 'x', '--scopes', 'read', '--meters', '*', '--expires', 'tomorrow')).code).toBe(2);
    expect((await keys('create', '--name', 'x', '--scopes', 'read', '--meters', '*', '--expires', '2020-01-01T00:00:00Z')).stderr).toContain(
      'expire_time: must be in the future',
    );
    expect((await keys('rotate', 'x')).code).toBe(2);
    expect((await keys('revoke')).code).toBe(2);
    expect((await keys('create', '--scopes', 'read')).code).toBe(2);
  });

  it('exits 3 when the database cannot be reached', async () => {
    const result = await runKeysCli(['list'], 'postgresql://postgres@127.0.0.1:1/nothing');
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^meterusage-keys: /);
  });
});
