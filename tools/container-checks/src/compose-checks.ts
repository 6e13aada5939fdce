import { readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { parseDocument } from 'yaml';
import { parseImageReference } from './dockerfile-checks';

/** A parsed compose file: plain JSON-like data, as YAML gives it. */
export type ComposeDocument = Record<string, unknown>;

type Service = Record<string, unknown>;

/** Parses compose YAML strictly (duplicate keys and syntax errors throw) into plain data. */
export function parseCompose(text: string): ComposeDocument {
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (document.errors.length > 0) throw new Error(document.errors.map((error) => error.message).join('\n'));
  const value: unknown = document.toJS();
  if (!isRecord(value)) throw new Error('a compose file must be a mapping at the top level');
  return value;
}

/** The compose-spec JSON schema shipped by dclint, without its `$schema` key (Ajv cannot resolve that URL offline). */
export function loadComposeSchema(): Record<string, unknown> {
  // dclint's `exports` hides schemas/; its package.json is exported and sits beside that folder.
  const packageRoot = dirname(require.resolve('dclint/package.json'));
  const schema = JSON.parse(readFileSync(join(packageRoot, 'schemas', 'compose.schema.json'), 'utf8')) as Record<string, unknown>;
  delete schema.$schema;
  return schema;
}

let cachedValidator: ValidateFunction | undefined;

function composeValidator(): ValidateFunction {
  // The schema is draft-07, Ajv's default; allErrors so one run lists every problem.
  cachedValidator ??= new Ajv({ allErrors: true, strict: false }).compile(loadComposeSchema());
  return cachedValidator;
}

function describeSchemaError(error: ErrorObject): string {
  const where = error.instancePath === '' ? '(top level)' : error.instancePath;
  const params = error.params as Record<string, unknown>;
  const detail = typeof params.additionalProperty === 'string' ? ` "${params.additionalProperty}"` : '';
  return `${where}: ${error.message ?? error.keyword}${detail}`;
}

/** Validates against the compose specification; returns one line per violation, empty when valid. */
export function validateComposeSchema(compose: unknown): string[] {
  const validate = composeValidator();
  return validate(compose) ? [] : (validate.errors ?? []).map(describeSchemaError);
}

/** What the reference checks need to know about the world outside the compose file. */
export interface ComposeContext {
  /** Stage names of the Dockerfile at `dockerfilePath` (relative to the compose file), or undefined if there is none. */
  stagesOf(dockerfilePath: string): ReadonlySet<string> | undefined;
  /** Whether a path relative to the compose file exists on the host. */
  fileExists(path: string): boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A YAML scalar as compose reads it (a number or boolean as written); a missing value, a list or a mapping gives `fallback`. */
function scalarText(value: unknown, fallback: string): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : fallback;
}

/** The services mapping, or an empty one when missing or malformed (the schema check reports that). */
export function servicesOf(compose: ComposeDocument): Record<string, Service> {
  const services = compose.services;
  if (!isRecord(services)) return {};
  return Object.fromEntries(Object.entries(services).filter((entry): entry is [string, Service] => isRecord(entry[1])));
}

/** depends_on in either form (list or mapping) as name → condition (service_started for the list form). */
export function dependenciesOf(service: Service): Map<string, string> {
  const dependsOn = service.depends_on;
  if (Array.isArray(dependsOn)) return new Map(dependsOn.map((name) => [String(name), 'service_started']));
  if (!isRecord(dependsOn)) return new Map();
  return new Map(
    Object.entries(dependsOn).map(([name, options]) => [
      name,
      isRecord(options) && typeof options.condition === 'string' ? options.condition : 'service_started',
    ]),
  );
}

/** environment in either form (list of KEY=value or mapping) as a map of strings. */
export function environmentOf(service: Service): Map<string, string> {
  const environment = service.environment;
  if (Array.isArray(environment)) {
    return new Map(
      environment.map((entry) => {
        const [key = '', ...rest] = String(entry).split('=');
        return [key, rest.join('=')];
      }),
    );
  }
  if (!isRecord(environment)) return new Map();
  return new Map(Object.entries(environment).map(([key, value]) => [key, scalarText(value, '')]));
}

export interface Mount {
  readonly type: string;
  readonly source: string | null;
  readonly target: string;
  readonly readOnly: boolean;
}

/** volumes in either syntax. Short syntax is a bind mount when the source is a path (., /, ~). */
export function mountsOf(service: Service): Mount[] {
  const volumes = Array.isArray(service.volumes) ? service.volumes : [];
  return volumes.flatMap((volume): Mount[] => {
    if (typeof volume === 'string') {
      const parts = volume.split(':');
      if (parts.length === 1) return [{ type: 'volume', source: null, target: parts[0] ?? '', readOnly: false }];
      const [source = '', target = '', mode = ''] = parts;
      const isPath = /^[./~]/.test(source);
      return [{ type: isPath ? 'bind' : 'volume', source, target, readOnly: mode.split(',').includes('ro') }];
    }
    if (!isRecord(volume)) return [];
    return [
      {
        type: scalarText(volume.type, 'volume'),
        source: typeof volume.source === 'string' ? volume.source : null,
        target: scalarText(volume.target, ''),
        readOnly: volume.read_only === true,
      },
    ];
  });
}

/** Host ports a service publishes, from short ("8000:8000", "127.0.0.1:5432:5432") or long syntax. */
export function publishedPortsOf(service: Service): number[] {
  const ports = Array.isArray(service.ports) ? service.ports : [];
  return ports.flatMap((port): number[] => {
    if (isRecord(port)) return port.published === undefined ? [] : [Number(port.published)];
    const parts = String(port)
      .replace(/\/(tcp|udp)$/, '')
      .split(':');
    // A lone container port is published on a random host port: nothing reachable by number.
    if (parts.length < 2) return [];
    return [Number(parts[parts.length - 2])];
  });
}

/**
 * Cross-references a compose file cannot check by itself: depends_on names a service, build
 * targets are Dockerfile stages, bind-mounted host paths exist, named volumes are declared.
 */
export function checkComposeReferences(compose: ComposeDocument, context: ComposeContext): string[] {
  const problems: string[] = [];
  const services = servicesOf(compose);
  const declaredVolumes = isRecord(compose.volumes) ? new Set(Object.keys(compose.volumes)) : new Set<string>();
  if (Object.keys(services).length === 0) problems.push('no services defined');

  for (const [name, service] of Object.entries(services)) {
    for (const dependency of dependenciesOf(service).keys()) {
      if (dependency === name) problems.push(`${name}: depends_on itself`);
      else if (!(dependency in services)) problems.push(`${name}: depends_on "${dependency}", which is not a service`);
    }

    const build = service.build;
    if (isRecord(build)) {
      const dockerfilePath = posix.normalize(posix.join(scalarText(build.context, '.'), scalarText(build.dockerfile, 'Dockerfile')));
      const stages = context.stagesOf(dockerfilePath);
      if (stages === undefined) problems.push(`${name}: build uses ${dockerfilePath}, which does not exist`);
      else if (typeof build.target === 'string' && !stages.has(build.target)) {
        problems.push(`${name}: build target "${build.target}" is not a stage of ${dockerfilePath}`);
      }
    }
    if (build === undefined && typeof service.image !== 'string') problems.push(`${name}: neither image nor build`);

    for (const mount of mountsOf(service)) {
      if (mount.type === 'bind' && mount.source !== null && !context.fileExists(mount.source)) {
        problems.push(`${name}: bind-mounted ${mount.source} does not exist`);
      }
      if (mount.type === 'volume' && mount.source !== null && !declaredVolumes.has(mount.source)) {
        problems.push(`${name}: volume "${mount.source}" is not declared under top-level volumes`);
      }
    }
  }
  return problems;
}

/**
 * Whether an image reference names one build: a digest, or a tag that starts with a full
 * major.minor.patch version. latest, latest-pg16, 2.23-pg16 and no tag all move under a pull.
 */
export function isExactImageVersion(image: string): boolean {
  const { tag, digest } = parseImageReference(image);
  return digest !== null || (tag !== null && /^v?\d+\.\d+\.\d+(?![.\d])/.test(tag));
}

/**
 * The meterusage stack as the README promises it: TimescaleDB on PostgreSQL 16 with a health
 * check, grpc-server waiting for it and reading the CSV through a read-only mount, the gateway
 * pointing at grpc-server, both apps asking for API keys, ports 8000/50051/5432 published.
 */
export function checkComposePolicy(compose: ComposeDocument): string[] {
  const problems: string[] = [];
  const services = servicesOf(compose);
  const database = services.timescaledb;
  const grpcServer = services['grpc-server'];
  const gateway = services.gateway;
  if (database === undefined) problems.push('no timescaledb service');
  if (grpcServer === undefined) problems.push('no grpc-server service');
  if (gateway === undefined) problems.push('no gateway service');

  for (const [name, service] of Object.entries(services)) {
    const image = service.image;
    // Database images must stay on the PostgreSQL major the migrations are written for.
    if (typeof image === 'string' && /postgres|timescale/.test(image) && !/(^|[-:])pg16\b|:16(\.|-|$)/.test(image)) {
      problems.push(`${name}: image ${image} is not pinned to PostgreSQL 16`);
    }
    if (typeof image === 'string' && !isExactImageVersion(image)) {
      problems.push(`${name}: image ${image} has a moving tag; pin an exact version (e.g. 2.23.0-pg16) or a digest`);
    }
  }

  if (database !== undefined) {
    const healthcheck = database.healthcheck;
    const test = isRecord(healthcheck) ? healthcheck.test : undefined;
    const testText = Array.isArray(test) ? test.join(' ') : scalarText(test, '');
    if (!testText.includes('pg_isready') || (isRecord(healthcheck) && healthcheck.disable === true)) {
      problems.push('timescaledb: no pg_isready healthcheck');
    }
  }

  if (grpcServer !== undefined) {
    const condition = dependenciesOf(grpcServer).get('timescaledb');
    if (condition !== 'service_healthy') {
      problems.push(`grpc-server: must wait for timescaledb with condition service_healthy (has ${condition ?? 'none'})`);
    }
    const environment = environmentOf(grpcServer);
    const csvPath = environment.get('CSV_PATH');
    const csvMount = mountsOf(grpcServer).find((mount) => mount.target === csvPath);
    if (csvPath === undefined) problems.push('grpc-server: CSV_PATH is not set');
    else if (csvMount === undefined) problems.push(`grpc-server: CSV_PATH ${csvPath} is not a mount target`);
    else if (!csvMount.readOnly) problems.push(`grpc-server: the CSV mount at ${csvPath} is writable, want read-only`);
    const dbHost = environment.get('DB_HOST');
    if (dbHost !== undefined && !(dbHost in services)) {
      problems.push(`grpc-server: DB_HOST points at "${dbHost}", which is not a service`);
    }
  }

  if (gateway !== undefined) {
    if (!dependenciesOf(gateway).has('grpc-server')) problems.push('gateway: does not depend on grpc-server');
    const grpcTarget = environmentOf(gateway).get('GRPC_TARGET');
    if (grpcTarget === undefined) problems.push('gateway: GRPC_TARGET is not set');
    else {
      const [host = '', port = ''] = grpcTarget.split(':');
      const backend = services[host];
      if (backend === undefined) problems.push(`gateway: GRPC_TARGET points at "${host}", which is not a service`);
      else {
        // grpc-server's own default is 50051 when GRPC_PORT is unset.
        const backendPort = environmentOf(backend).get('GRPC_PORT') ?? '50051';
        if (port !== backendPort) problems.push(`gateway: GRPC_TARGET port ${port} != ${host} GRPC_PORT ${backendPort}`);
      }
    }
  }

  // Published ports reach beyond this machine: both apps must ask every caller for an API key.
  for (const [name, service] of [
    ['grpc-server', grpcServer],
    ['gateway', gateway],
  ] as const) {
    if (service === undefined) continue;
    const authMode = environmentOf(service).get('AUTH_MODE');
    if (authMode !== 'keys') problems.push(`${name}: AUTH_MODE must be keys in the stack (has ${authMode ?? 'none'})`);
  }
  const grpcHost = grpcServer === undefined ? undefined : environmentOf(grpcServer).get('GRPC_HOST');
  if (grpcServer !== undefined && grpcHost !== '0.0.0.0')
    problems.push(`grpc-server: GRPC_HOST must be 0.0.0.0 for the gateway's container to reach it (has ${grpcHost ?? 'none'})`);

  const published = new Set(Object.values(services).flatMap(publishedPortsOf));
  for (const port of [8000, 50051, 5432]) {
    if (!published.has(port)) problems.push(`port ${port} is not published`);
  }
  return problems;
}
