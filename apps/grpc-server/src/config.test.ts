import path from 'node:path';
import { ConfigError } from '@meterusage/config';
import { loadServerConfig } from './config';

const cwd = '/srv/app';

describe('loadServerConfig', () => {
  it('uses the embedded database and the documented defaults when nothing is set', () => {
    const config = loadServerConfig({}, cwd);
    expect(config.database).toEqual({ kind: 'embedded', dataDir: path.join(cwd, '.data/postgres'), port: 54329 });
    expect(config.statementTimeoutMs).toBe(30_000);
    expect(config.dbHealthIntervalMs).toBe(5000);
    expect(config).toMatchObject({
      poolMin: 1,
      poolMax: 10,
      csvPath: path.join(cwd, 'meterusage.csv'),
      csvTimeZone: 'UTC',
      meterId: 'meter-1',
      grpcHost: '127.0.0.1',
      grpcPort: 50051,
      logLevel: 'info',
      access: { auth: { mode: 'off', offBeyondLoopback: false }, keyCacheMs: 2000, failureDelayMs: 500, legacyIngestToken: undefined },
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('needs keys beyond loopback unless AUTH_MODE=off says otherwise, which is flagged for the start-up warning', () => {
    expect(loadServerConfig({ GRPC_HOST: '0.0.0.0' }, cwd).access.auth).toEqual({ mode: 'keys', offBeyondLoopback: false });
    expect(loadServerConfig({ GRPC_HOST: 'localhost' }, cwd).access.auth).toEqual({ mode: 'off', offBeyondLoopback: false });
    expect(loadServerConfig({ GRPC_HOST: '[::1]', AUTH_MODE: 'keys' }, cwd).access.auth).toEqual({ mode: 'keys', offBeyondLoopback: false });
    expect(loadServerConfig({ GRPC_HOST: '0.0.0.0', AUTH_MODE: 'off' }, cwd).access.auth).toEqual({ mode: 'off', offBeyondLoopback: true });
    expect(() => loadServerConfig({ AUTH_MODE: 'Keys' }, cwd)).toThrow('AUTH_MODE must be keys or off, got "Keys"');
    expect(() => loadServerConfig({ AUTH_KEY_CACHE_MS: '60000' }, cwd)).toThrow('AUTH_KEY_CACHE_MS must be an integer from 0 to 10000, got "60000"');
    expect(() => loadServerConfig({ INGEST_TOKEN: 'short' }, cwd)).toThrow('INGEST_TOKEN must be at least 16 characters long');
  });

  it('builds a connection string from the DB_* variables when DB_HOST is set', () => {
    const config = loadServerConfig({ DB_HOST: 'db', DB_PORT: '6543', DB_NAME: 'meters', DB_USER: 'svc', DB_PASS: 'p@ss word' }, cwd);
    expect(config.database).toEqual({
      kind: 'external',
      connectionString: 'postgresql://svc:p%40ss%20word@db:6543/meters',
      description: 'svc@db:6543/meters',
    });
  });

  it('prefers DATABASE_URL over DB_HOST and hides its password in the description', () => {
    const config = loadServerConfig({ DATABASE_URL: 'postgres://u:secret@h:5432/x', DB_HOST: 'ignored' }, cwd);
    expect(config.database).toMatchObject({ kind: 'external', connectionString: 'postgres://u:secret@h:5432/x' });
    expect(config.database.kind === 'external' && config.database.description).not.toContain('secret');
  });

  it('lists every invalid variable with the accepted values in one error', () => {
    let error: unknown;
    try {
      loadServerConfig(
        { GRPC_PORT: '70000', DB_POOL_MAX_CONN: 'ten', LOG_LEVEL: 'loud', CSV_TIMEZONE: 'Mars/Olympus', METER_ID: 'a b', DATABASE_URL: 'mysql://x' },
        cwd,
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        'GRPC_PORT must be an integer from 0 to 65535, got "70000"',
        'DB_POOL_MAX_CONN must be an integer from 1 to 100, got "ten"',
        'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
        'CSV_TIMEZONE must be an IANA time zone such as UTC or Europe/Amsterdam, got "Mars/Olympus"',
        'DATABASE_URL must be a postgres:// or postgresql:// URL',
      ]),
    );
    expect(problems.some((problem) => problem.startsWith('METER_ID must be'))).toBe(true);
    expect(problems).toHaveLength(6);
  });

  it('rejects a pool whose minimum exceeds its maximum', () => {
    expect(() => loadServerConfig({ DB_POOL_MIN_CONN: '5', DB_POOL_MAX_CONN: '2' }, cwd)).toThrow('DB_POOL_MIN_CONN (5) must not exceed DB_POOL_MAX_CONN (2)');
  });

  it('reads the database health-check interval and refuses one below 100 ms or not a number', () => {
    expect(loadServerConfig({ DB_HEALTH_INTERVAL_MS: '250' }, cwd).dbHealthIntervalMs).toBe(250);
    expect(() => loadServerConfig({ DB_HEALTH_INTERVAL_MS: '50' }, cwd)).toThrow('DB_HEALTH_INTERVAL_MS must be an integer from 100 to 600000, got "50"');
    expect(() => loadServerConfig({ DB_HEALTH_INTERVAL_MS: '5s' }, cwd)).toThrow('DB_HEALTH_INTERVAL_MS must be an integer from 100 to 600000, got "5s"');
  });

  it('caps the new meters of one upload at 1000 unless MAX_NEW_METERS_PER_UPLOAD says otherwise (1 to 10,000,000)', () => {
    expect(loadServerConfig({}, cwd).maxNewMetersPerUpload).toBe(1000);
    expect(loadServerConfig({ MAX_NEW_METERS_PER_UPLOAD: '20000' }, cwd).maxNewMetersPerUpload).toBe(20_000);
    expect(() => loadServerConfig({ MAX_NEW_METERS_PER_UPLOAD: '0' }, cwd)).toThrow('MAX_NEW_METERS_PER_UPLOAD must be an integer from 1 to 10000000, got "0"');
    expect(() => loadServerConfig({ MAX_NEW_METERS_PER_UPLOAD: 'lots' }, cwd)).toThrow(
      'MAX_NEW_METERS_PER_UPLOAD must be an integer from 1 to 10000000, got "lots"',
    );
  });

  it('accepts an IANA zone for naive CSV times', () => {
    expect(loadServerConfig({ CSV_TIMEZONE: 'Europe/Amsterdam' }, cwd).csvTimeZone).toBe('Europe/Amsterdam');
  });

  it('bounds concurrent exports and uploads below the pool size, so queries always find a connection', () => {
    expect(loadServerConfig({}, cwd)).toMatchObject({ maxConcurrentExports: 4, maxConcurrentUploads: 2, streamSlotWaitMs: 2000, shutdownGraceMs: 10_000 });
    expect(loadServerConfig({ MAX_CONCURRENT_EXPORTS: '10', MAX_CONCURRENT_UPLOADS: '5', DB_POOL_MAX_CONN: '20' }, cwd)).toMatchObject({
      maxConcurrentExports: 10,
      maxConcurrentUploads: 5,
    });
    expect(() => loadServerConfig({ MAX_CONCURRENT_EXPORTS: '6', DB_POOL_MAX_CONN: '8' }, cwd)).toThrow(
      'MAX_CONCURRENT_EXPORTS + MAX_CONCURRENT_UPLOADS (6 + 2) must be below DB_POOL_MAX_CONN (8), so that queries always find a connection',
    );
  });

  it('bounds the wait for a pool connection in time and in length, and checks both', () => {
    expect(loadServerConfig({}, cwd)).toMatchObject({ poolWaitMs: 1000, poolQueueMax: 100 });
    expect(loadServerConfig({ DB_POOL_WAIT_MS: '0', DB_POOL_QUEUE_MAX: '0' }, cwd)).toMatchObject({ poolWaitMs: 0, poolQueueMax: 0 });
    expect(() => loadServerConfig({ DB_POOL_WAIT_MS: 'soon', DB_POOL_QUEUE_MAX: '-1' }, cwd)).toThrow(
      /DB_POOL_WAIT_MS must be an integer from 0 to 600000, got "soon"[\s\S]*DB_POOL_QUEUE_MAX must be an integer from 0 to 100000, got "-1"/,
    );
  });

  it('admits AggregateUsage answers by their buckets, with a bounded queue and wait, and checks all three', () => {
    expect(loadServerConfig({}, cwd).usageAdmission).toEqual({ buckets: 40_000, queueMax: 256, waitMs: 2000 });
    expect(loadServerConfig({ USAGE_ADMISSION_BUCKETS: '1000', USAGE_ADMISSION_QUEUE_MAX: '0', USAGE_ADMISSION_WAIT_MS: '0' }, cwd).usageAdmission).toEqual({
      buckets: 1000,
      queueMax: 0,
      waitMs: 0,
    });
    expect(() => loadServerConfig({ USAGE_ADMISSION_BUCKETS: '0', USAGE_ADMISSION_QUEUE_MAX: 'few', USAGE_ADMISSION_WAIT_MS: '-5' }, cwd)).toThrow(
      /USAGE_ADMISSION_BUCKETS must be an integer from 1 to 100000000, got "0"[\s\S]*USAGE_ADMISSION_QUEUE_MAX must be an integer from 0 to 100000, got "few"[\s\S]*USAGE_ADMISSION_WAIT_MS must be an integer from 0 to 600000, got "-5"/,
    );
  });

  it('serves plaintext gRPC unless a certificate and key are both given, and names unreadable files', () => {
    expect(loadServerConfig({}, cwd).tls).toBeUndefined();
    expect(() => loadServerConfig({ GRPC_TLS_CERT: __filename }, cwd)).toThrow('GRPC_TLS_CERT and GRPC_TLS_KEY must be set together');
    expect(() => loadServerConfig({ GRPC_TLS_CERT: __filename, GRPC_TLS_KEY: '/nonexistent/key.pem' }, cwd)).toThrow(
      'GRPC_TLS_KEY names a file that cannot be read: /nonexistent/key.pem (ENOENT)',
    );
    expect(() => loadServerConfig({ GRPC_TLS_CLIENT_CA: __filename }, cwd)).toThrow('GRPC_TLS_CLIENT_CA needs GRPC_TLS_CERT and GRPC_TLS_KEY');
    const tls = loadServerConfig({ GRPC_TLS_CERT: __filename, GRPC_TLS_KEY: __filename }, cwd).tls;
    expect(tls?.certificateChain.toString()).toContain('serves plaintext gRPC');
    expect(tls?.clientCa).toBeUndefined();
  });
});
