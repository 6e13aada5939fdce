import {
  checkDockerfilePolicy,
  checkDockerignore,
  contextSources,
  finalStages,
  isIgnored,
  lintDockerfile,
  loadRepoContainerFiles,
  parseDockerfile,
  parseImageReference,
  stageNames,
} from '../src';

const real = loadRepoContainerFiles();

/** A small, policy-clean Dockerfile; each negative test changes one line of it. */
const GOOD = [
  'FROM node:20-bookworm-slim AS build',
  'RUN npm i -g pnpm@10.34.8',
  'COPY . .',
  'RUN pnpm install --frozen-lockfile && pnpm --filter @x/app deploy --prod --legacy /prod/app',
  'FROM node:20-bookworm-slim AS app',
  'ENV NODE_ENV=production',
  'COPY --from=build /prod/app /app',
  'USER node',
  'EXPOSE 8000',
  'HEALTHCHECK CMD ["node", "-e", "process.exit(0)"]',
  'CMD ["node", "dist/main.js"]',
  '',
].join('\n');

function policyOf(text: string): string[] {
  return checkDockerfilePolicy(parseDockerfile(text));
}

describe('Dockerfile (the real file)', () => {
  it('has no dockerfile-utils error diagnostics', () => {
    expect(lintDockerfile(real.dockerfileText)).toEqual([]);
  });

  it('meets the image policy', () => {
    expect(checkDockerfilePolicy(real.dockerfile)).toEqual([]);
  });

  it('ships exactly the two app stages, each built on node 20', () => {
    expect(finalStages(real.dockerfile).map((stage) => stage.name)).toEqual(['grpc-server', 'gateway']);
    expect(stageNames(real.dockerfile)).toEqual(new Set(['build', 'runtime', 'grpc-server', 'gateway']));
    // ARG NODE_IMAGE is expanded to its default.
    expect(real.dockerfile.stages[0]?.base).toBe('node:20-bookworm-slim');
  });

  it('runs both apps with node dist/main.js', () => {
    for (const stage of finalStages(real.dockerfile)) {
      const cmd = stage.instructions.filter((instruction) => instruction.keyword === 'CMD').pop();
      expect(cmd?.args).toBe('["node", "dist/main.js"]');
    }
  });
});

describe('lintDockerfile (broken fixtures)', () => {
  it('accepts the clean fixture', () => {
    expect(lintDockerfile(GOOD)).toEqual([]);
  });

  it('reports an invalid port, an unknown instruction and a bad flag duration', () => {
    const broken = GOOD.replace('EXPOSE 8000', 'EXPOSE eighty').replace('USER node', 'USR node').replace('HEALTHCHECK CMD', 'HEALTHCHECK --interval=often CMD');

    const problems = lintDockerfile(broken);

    expect(problems).toHaveLength(3);
    expect(problems.map((problem) => problem.split(':')[0])).toEqual(['line 8', 'line 9', 'line 10']);
  });
});

describe('checkDockerfilePolicy (broken fixtures)', () => {
  it('accepts the clean fixture', () => {
    expect(policyOf(GOOD)).toEqual([]);
  });

  it('catches a final stage running as root, explicitly or by default', () => {
    expect(policyOf(GOOD.replace('USER node', 'USER root'))).toEqual(['final stage app: USER root (line 8) is root']);
    expect(policyOf(GOOD.replace('USER node', 'USER 0:0'))).toEqual(['final stage app: USER 0:0 (line 8) is root']);
    expect(policyOf(GOOD.replace('USER node\n', ''))).toEqual(['final stage app: no USER, so it runs as root']);
  });

  it('follows stage inheritance: USER in a parent stage counts, a later USER root wins', () => {
    const inherited = GOOD.replace('FROM node:20-bookworm-slim AS app', 'FROM node:20-bookworm-slim AS base\nUSER node\nFROM base AS app').replace(
      'USER node\nEXPOSE',
      'EXPOSE',
    );
    expect(policyOf(inherited)).toEqual([]);
  });

  it('catches unpinned node bases: latest, no tag, a codename-only tag', () => {
    expect(policyOf(GOOD.replace('FROM node:20-bookworm-slim AS build', 'FROM node:latest AS build'))).toEqual([
      'stage build (FROM node:latest): base image tag "latest" is not version-pinned (want e.g. 20-bookworm-slim or a digest)',
    ]);
    expect(policyOf(GOOD.replace('FROM node:20-bookworm-slim AS app', 'FROM node AS app'))).toEqual([
      'stage app (FROM node): base image has no tag, which means latest',
    ]);
    expect(policyOf(GOOD.replace('FROM node:20-bookworm-slim AS app', 'FROM node:bookworm-slim AS app'))).toEqual([
      'stage app (FROM node:bookworm-slim): base image tag "bookworm-slim" is not version-pinned (want e.g. 20-bookworm-slim or a digest)',
    ]);
  });

  it('sees through an ARG default in FROM', () => {
    const viaArg = `ARG NODE_IMAGE=node:lts\n${GOOD.replace('FROM node:20-bookworm-slim AS build', 'FROM ${NODE_IMAGE} AS build')}`;
    expect(policyOf(viaArg)).toEqual(['stage build (FROM node:lts): base image tag "lts" is not version-pinned (want e.g. 20-bookworm-slim or a digest)']);
  });

  it('accepts a digest-pinned base', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(policyOf(GOOD.replace('FROM node:20-bookworm-slim AS app', `FROM node@${digest} AS app`))).toEqual([]);
  });

  it('catches pnpm install without --frozen-lockfile and pnpm deploy without --prod', () => {
    const broken = GOOD.replace('pnpm install --frozen-lockfile', 'pnpm install').replace('deploy --prod', 'deploy');

    expect(policyOf(broken)).toEqual(['line 4: pnpm install without --frozen-lockfile', 'line 4: pnpm deploy without --prod']);
  });

  it('catches a final stage without CMD, HEALTHCHECK, EXPOSE or NODE_ENV=production', () => {
    const broken = GOOD.replace('ENV NODE_ENV=production\n', 'ENV NODE_ENV=development\n')
      .replace('EXPOSE 8000\n', '')
      .replace(/HEALTHCHECK .*\n/, 'HEALTHCHECK NONE\n')
      .replace(/CMD \[.*\n/, '');

    expect(policyOf(broken)).toEqual([
      'final stage app: no CMD or ENTRYPOINT',
      'final stage app: no HEALTHCHECK',
      'final stage app: no EXPOSE',
      'final stage app: NODE_ENV is development, want production',
    ]);
  });
});

describe('parseImageReference', () => {
  it('splits name, tag and digest, keeping a registry port in the name', () => {
    expect(parseImageReference('node:20-bookworm-slim')).toEqual({ name: 'node', tag: '20-bookworm-slim', digest: null });
    expect(parseImageReference('registry:5000/team/node')).toEqual({ name: 'registry:5000/team/node', tag: null, digest: null });
    expect(parseImageReference('node:20@sha256:abc')).toEqual({ name: 'node', tag: '20', digest: 'sha256:abc' });
  });
});

describe('.dockerignore', () => {
  it('keeps build products and secrets out, and everything the Dockerfile copies in', () => {
    expect(checkDockerignore(real.dockerignore, contextSources(real.dockerfile))).toEqual([]);
  });

  it('keeps the sources of the build in the context', () => {
    for (const path of [
      'proto/meterusage/v1/reading.proto',
      'libs/contracts/src/index.ts',
      'apps/gateway/dashboard/index.html',
      'apps/gateway/dashboard/src/app.ts',
      'buf.gen.yaml',
    ]) {
      expect(isIgnored(path, real.dockerignore)).toBe(false);
    }
  });

  it('catches a pattern that excludes a file the Dockerfile copies', () => {
    const broken = [...real.dockerignore, '*.yaml'];

    expect(checkDockerignore(broken, contextSources(real.dockerfile))).toEqual([
      'the Dockerfile copies pnpm-lock.yaml, but .dockerignore excludes it',
      'the Dockerfile copies pnpm-workspace.yaml, but .dockerignore excludes it',
    ]);
  });

  it('catches a context that would ship host node_modules and generated stubs', () => {
    expect(checkDockerignore(['.git', '.env', '**/dist'], [])).toEqual([
      '.dockerignore lets node_modules into the build context',
      '.dockerignore lets apps/gateway/node_modules into the build context',
      '.dockerignore lets libs/contracts/src/gen into the build context',
    ]);
  });

  it('matches like Docker: ** spans folders, a later ! re-includes', () => {
    expect(isIgnored('apps/gateway/node_modules/x/index.js', ['**/node_modules'])).toBe(true);
    expect(isIgnored('apps/gateway/main.log', ['*.log'])).toBe(false);
    expect(isIgnored('.env.example', ['.env.*', '!.env.example'])).toBe(false);
  });
});
