import { ConfigError } from '@meterusage/config';
import { loadGatewayConfig } from './config';

describe('loadGatewayConfig', () => {
  it('defaults to port 8000 on loopback without keys, and grpc-server at localhost:50051', () => {
    expect(loadGatewayConfig({})).toEqual({
      httpHost: '127.0.0.1',
      httpPort: 8000,
      grpcTarget: 'localhost:50051',
      grpcTls: undefined,
      grpcDeadlineMs: 10_000,
      grpcStreamDeadlineMs: 600_000,
      ingestBodyLimitBytes: 64 * 1024 * 1024,
      ingestToken: undefined,
      auth: { mode: 'off', offBeyondLoopback: false },
      rateLimitPerMinute: 0,
      rateLimitPerKeyPerMinute: 0,
      answerCacheMaxBytes: 64 * 1024 * 1024,
      logLevel: 'info',
    });
  });

  it('reads every variable', () => {
    const config = loadGatewayConfig({
      HTTP_PORT: '9000',
      HTTP_HOST: '127.0.0.1',
      GRPC_TARGET: 'grpc-server:50051',
      GRPC_DEADLINE_MS: '2500',
      GRPC_STREAM_DEADLINE_MS: '60000',
      INGEST_BODY_LIMIT_BYTES: '1048576',
      INGEST_TOKEN: 'a-long-enough-secret',
      RATE_LIMIT_PER_MINUTE: '600',
      RATE_LIMIT_PER_KEY_PER_MINUTE: '60',
      AUTH_MODE: 'keys',
      ANSWER_CACHE_MAX_BYTES: '0',
      LOG_LEVEL: 'debug',
    });
    expect(config).toEqual({
      httpHost: '127.0.0.1',
      httpPort: 9000,
      grpcTarget: 'grpc-server:50051',
      grpcTls: undefined,
      grpcDeadlineMs: 2500,
      grpcStreamDeadlineMs: 60_000,
      ingestBodyLimitBytes: 1_048_576,
      ingestToken: 'a-long-enough-secret',
      auth: { mode: 'keys', offBeyondLoopback: false },
      rateLimitPerMinute: 600,
      rateLimitPerKeyPerMinute: 60,
      answerCacheMaxBytes: 0,
      logLevel: 'debug',
    });
  });

  it('asks for keys beyond loopback unless AUTH_MODE=off says otherwise, which is flagged', () => {
    expect(loadGatewayConfig({ HTTP_HOST: '0.0.0.0' }).auth).toEqual({ mode: 'keys', offBeyondLoopback: false });
    expect(loadGatewayConfig({ HTTP_HOST: '::1' }).auth).toEqual({ mode: 'off', offBeyondLoopback: false });
    expect(loadGatewayConfig({ HTTP_HOST: '127.0.0.2', AUTH_MODE: 'keys' }).auth).toEqual({ mode: 'keys', offBeyondLoopback: false });
    expect(loadGatewayConfig({ HTTP_HOST: '10.0.0.5', AUTH_MODE: 'off' }).auth).toEqual({ mode: 'off', offBeyondLoopback: true });
    expect(() => loadGatewayConfig({ AUTH_MODE: 'none' })).toThrow('AUTH_MODE must be keys or off, got "none"');
  });

  it('names each bad variable and what it accepts', () => {
    expect(() => loadGatewayConfig({ HTTP_PORT: 'eighty', GRPC_TARGET: 'http://x:1/path', GRPC_DEADLINE_MS: '5' })).toThrow(ConfigError);
    try {
      loadGatewayConfig({ HTTP_PORT: 'eighty', GRPC_TARGET: 'http://x:1/path', GRPC_DEADLINE_MS: '5' });
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        'GRPC_TARGET must be host:port (e.g. localhost:50051), got "http://x:1/path"',
        'HTTP_PORT must be an integer from 0 to 65535, got "eighty"',
        'GRPC_DEADLINE_MS must be an integer from 100 to 600000, got "5"',
      ]);
    }
  });

  it('uses TLS towards grpc-server when GRPC_TLS=true or any TLS file is named, and pairs client certificate with key', () => {
    expect(loadGatewayConfig({ GRPC_TLS: 'true' }).grpcTls).toEqual({
      ca: undefined,
      certificateChain: undefined,
      privateKey: undefined,
      serverName: undefined,
    });
    const withCa = loadGatewayConfig({ GRPC_TLS_CA: __filename, GRPC_TLS_SERVER_NAME: 'grpc.internal' }).grpcTls;
    expect(withCa?.ca?.toString()).toContain('uses TLS towards grpc-server');
    expect(withCa?.serverName).toBe('grpc.internal');
    expect(() => loadGatewayConfig({ GRPC_TLS_CERT: __filename })).toThrow('GRPC_TLS_CERT and GRPC_TLS_KEY must be set together');
    expect(() => loadGatewayConfig({ GRPC_TLS: 'yes' })).toThrow('GRPC_TLS must be one of true, false, got "yes"');
    expect(() => loadGatewayConfig({ GRPC_TLS: 'false', GRPC_TLS_CA: __filename })).toThrow('GRPC_TLS=false contradicts the GRPC_TLS_* files that are set');
  });
});
