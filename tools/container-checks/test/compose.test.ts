import {
  checkComposePolicy,
  checkComposeReferences,
  isExactImageVersion,
  loadRepoContainerFiles,
  parseCompose,
  repoComposeContext,
  validateComposeSchema,
  type ComposeContext,
  type ComposeDocument,
} from '../src';

const real = loadRepoContainerFiles();

/** The shape the fixtures edit; the real file has these fields, which the positive tests establish. */
type ServiceFixture = Record<string, unknown> & { build: Record<string, unknown>; environment: Record<string, string> };
type ComposeFixture = ComposeDocument & { services: Record<string, ServiceFixture> };

/** A fresh copy of the real compose file to break one thing in. */
function composeCopy(): ComposeFixture {
  return structuredClone(real.compose) as ComposeFixture;
}

/** A context where exactly the given stages and files exist, so fixtures do not depend on the repo. */
function fakeContext(stages: string[], files: string[]): ComposeContext {
  return {
    stagesOf: (path) => (path === 'Dockerfile' ? new Set(stages) : undefined),
    fileExists: (path) => files.includes(path.replace(/^\.\//, '')),
  };
}

describe('docker-compose.yml (the real file)', () => {
  it('is valid against the compose-spec schema', () => {
    expect(validateComposeSchema(real.compose)).toEqual([]);
  });

  it('references only defined services, Dockerfile stages and existing host files', () => {
    expect(checkComposeReferences(real.compose, repoComposeContext())).toEqual([]);
  });

  it('meets the stack policy: pg16, healthchecks, read-only CSV, published ports', () => {
    expect(checkComposePolicy(real.compose)).toEqual([]);
  });

  it('catches an app of the stack that would answer without an API key', () => {
    const compose = composeCopy();
    delete compose.services['grpc-server']!.environment.AUTH_MODE;
    compose.services.gateway!.environment.AUTH_MODE = 'off';
    expect(checkComposePolicy(compose)).toEqual([
      'grpc-server: AUTH_MODE must be keys in the stack (has none)',
      'gateway: AUTH_MODE must be keys in the stack (has off)',
    ]);
  });

  it('defines exactly the three services of the system', () => {
    expect(Object.keys(real.compose.services as object).sort()).toEqual(['gateway', 'grpc-server', 'timescaledb']);
  });
});

describe('compose schema validation (broken fixtures)', () => {
  it('rejects an unknown service key', () => {
    const compose = composeCopy();
    compose.services['gateway']!.restart_policy = 'always';

    expect(validateComposeSchema(compose)).toEqual(['/services/gateway: must NOT have additional properties "restart_policy"']);
  });

  it('rejects an unknown top-level key and a wrongly typed field in one run', () => {
    const compose = composeCopy();
    (compose as Record<string, unknown>).servics = {};
    compose.services['timescaledb']!.ports = '5432:5432';

    const problems = validateComposeSchema(compose);

    expect(problems).toContain('(top level): must NOT have additional properties "servics"');
    expect(problems).toContain('/services/timescaledb/ports: must be array');
  });

  it('accepts a minimal valid document (the validator is not rejecting everything)', () => {
    expect(validateComposeSchema({ services: { web: { image: 'nginx:1.27' } } })).toEqual([]);
  });
});

describe('parseCompose', () => {
  it('throws on a duplicated key instead of silently keeping the last one', () => {
    const text = 'services:\n  gateway:\n    image: a:1\n  gateway:\n    image: b:1\n';

    expect(() => parseCompose(text)).toThrow(/unique/i);
  });

  it('throws on YAML that is not a mapping', () => {
    expect(() => parseCompose('- just\n- a list\n')).toThrow('mapping');
  });
});

describe('checkComposeReferences (broken fixtures)', () => {
  const context = fakeContext(['build', 'grpc-server', 'gateway'], ['meterusage.csv']);

  it('passes the real document under the fake context too', () => {
    expect(checkComposeReferences(real.compose, context)).toEqual([]);
  });

  it('catches depends_on naming a service that does not exist', () => {
    const compose = composeCopy();
    compose.services['gateway']!.depends_on = { 'grpc-srv': { condition: 'service_healthy' } };

    expect(checkComposeReferences(compose, context)).toEqual(['gateway: depends_on "grpc-srv", which is not a service']);
  });

  it('catches the list form of depends_on too', () => {
    const compose = composeCopy();
    compose.services['grpc-server']!.depends_on = ['postgres'];

    expect(checkComposeReferences(compose, context)).toEqual(['grpc-server: depends_on "postgres", which is not a service']);
  });

  it('catches a build target that is not a Dockerfile stage', () => {
    const compose = composeCopy();
    compose.services['gateway']!.build.target = 'gateway-prod';

    expect(checkComposeReferences(compose, context)).toEqual(['gateway: build target "gateway-prod" is not a stage of Dockerfile']);
  });

  it('catches a build that names a missing Dockerfile', () => {
    const compose = composeCopy();
    compose.services['gateway']!.build.dockerfile = 'docker/Dockerfile.gateway';

    expect(checkComposeReferences(compose, context)).toEqual(['gateway: build uses docker/Dockerfile.gateway, which does not exist']);
  });

  it('catches a bind mount of a host file that does not exist (long and short syntax)', () => {
    const compose = composeCopy();
    compose.services['grpc-server']!.volumes = [
      { type: 'bind', source: './data/readings.csv', target: '/data/meterusage.csv', read_only: true },
      './seed.sql:/docker-entrypoint-initdb.d/seed.sql:ro',
    ];

    expect(checkComposeReferences(compose, context)).toEqual([
      'grpc-server: bind-mounted ./data/readings.csv does not exist',
      'grpc-server: bind-mounted ./seed.sql does not exist',
    ]);
  });

  it('catches a named volume that is not declared', () => {
    const compose = composeCopy();
    compose.services['timescaledb']!.volumes = ['pgdata:/var/lib/postgresql/data'];

    expect(checkComposeReferences(compose, context)).toEqual(['timescaledb: volume "pgdata" is not declared under top-level volumes']);
  });
});

describe('checkComposePolicy (broken fixtures)', () => {
  it('catches a database image not pinned to PostgreSQL 16', () => {
    const compose = composeCopy();
    compose.services['timescaledb']!.image = 'timescale/timescaledb:latest-pg17';

    expect(checkComposePolicy(compose)).toEqual([
      'timescaledb: image timescale/timescaledb:latest-pg17 is not pinned to PostgreSQL 16',
      'timescaledb: image timescale/timescaledb:latest-pg17 has a moving tag; pin an exact version (e.g. 2.23.0-pg16) or a digest',
    ]);
  });

  it.each([
    'timescale/timescaledb:latest-pg16',
    'timescale/timescaledb:latest',
    'timescale/timescaledb',
    'timescale/timescaledb:2.23-pg16',
    'timescale/timescaledb:pg16',
  ])('catches the moving image tag %s', (image) => {
    const compose = composeCopy();
    compose.services['timescaledb']!.image = image;

    expect(checkComposePolicy(compose)).toContain(`timescaledb: image ${image} has a moving tag; pin an exact version (e.g. 2.23.0-pg16) or a digest`);
  });

  it('accepts an exact version tag or a digest', () => {
    expect(isExactImageVersion('timescale/timescaledb:2.23.0-pg16')).toBe(true);
    expect(isExactImageVersion('registry.example:5000/timescale/timescaledb:2.23.0-pg16')).toBe(true);
    expect(isExactImageVersion(`timescale/timescaledb@sha256:${'a'.repeat(64)}`)).toBe(true);
    expect(isExactImageVersion('registry.example:5000/timescale/timescaledb')).toBe(false);
  });

  it('catches a missing database healthcheck', () => {
    const compose = composeCopy();
    delete compose.services['timescaledb']!.healthcheck;

    expect(checkComposePolicy(compose)).toEqual(['timescaledb: no pg_isready healthcheck']);
  });

  it('catches grpc-server starting before the database is healthy', () => {
    const compose = composeCopy();
    compose.services['grpc-server']!.depends_on = ['timescaledb'];

    expect(checkComposePolicy(compose)).toEqual(['grpc-server: must wait for timescaledb with condition service_healthy (has service_started)']);
  });

  it('catches a writable CSV mount', () => {
    const compose = composeCopy();
    compose.services['grpc-server']!.volumes = ['./meterusage.csv:/data/meterusage.csv'];

    expect(checkComposePolicy(compose)).toEqual(['grpc-server: the CSV mount at /data/meterusage.csv is writable, want read-only']);
  });

  it('catches CSV_PATH pointing somewhere nothing is mounted', () => {
    const compose = composeCopy();
    compose.services['grpc-server']!.environment.CSV_PATH = '/srv/meterusage.csv';

    expect(checkComposePolicy(compose)).toEqual(['grpc-server: CSV_PATH /srv/meterusage.csv is not a mount target']);
  });

  it('catches a gateway GRPC_TARGET that names no service or the wrong port', () => {
    const wrongHost = composeCopy();
    wrongHost.services['gateway']!.environment.GRPC_TARGET = 'localhost:50051';
    const wrongPort = composeCopy();
    wrongPort.services['gateway']!.environment.GRPC_TARGET = 'grpc-server:50052';

    expect(checkComposePolicy(wrongHost)).toEqual(['gateway: GRPC_TARGET points at "localhost", which is not a service']);
    expect(checkComposePolicy(wrongPort)).toEqual(['gateway: GRPC_TARGET port 50052 != grpc-server GRPC_PORT 50051']);
  });

  it('catches an unpublished port', () => {
    const compose = composeCopy();
    compose.services['gateway']!.ports = ['8000'];

    expect(checkComposePolicy(compose)).toEqual(['port 8000 is not published']);
  });

  it('reads the long port syntax', () => {
    const compose = composeCopy();
    compose.services['gateway']!.ports = [{ target: 8000, published: 8000 }];

    expect(checkComposePolicy(compose)).toEqual([]);
  });

  it('reports every missing service of an empty stack', () => {
    expect(checkComposePolicy({ services: {} })).toEqual([
      'no timescaledb service',
      'no grpc-server service',
      'no gateway service',
      'port 8000 is not published',
      'port 50051 is not published',
      'port 5432 is not published',
    ]);
  });
});
