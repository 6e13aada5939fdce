// Builds the dashboard into dist/public: dashboard/src/app.ts bundled by esbuild into app.js (one
// ES module, workspace libs such as @meterusage/time compiled in from their sources), beside
// the static files. `pnpm nx run gateway:build-dashboard`; the gateway serves the result from
// disk, so `tsx apps/gateway/scripts/build-dashboard.ts --watch` beside a running gateway
// rebuilds app.js on every change of its sources (a reload of the page shows it).
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { context, type BuildOptions } from 'esbuild';

const APP_ROOT = path.resolve(__dirname, '..');
const SOURCE_DIR = path.join(APP_ROOT, 'dashboard');
/** Where the gateway's dashboard plugin looks (PUBLIC_DIR); gitignored with the rest of dist/. */
const OUTPUT_DIR = path.join(APP_ROOT, 'dist', 'public');
const STATIC_FILES = ['index.html', 'styles.css', 'favicon.svg'];

const OPTIONS = {
  entryPoints: [path.join(SOURCE_DIR, 'src', 'app.ts')],
  outfile: path.join(OUTPUT_DIR, 'app.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  // Browsers of the last few years; CSP allows only scripts from 'self', so no eval or inline code.
  target: ['es2022'],
  // Workspace libs from their TypeScript sources, as jest and tsx read them.
  conditions: ['@meterusage/source'],
  minify: true,
  sourcemap: 'linked',
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
} satisfies BuildOptions;

async function main(watch: boolean): Promise<void> {
  rmSync(OUTPUT_DIR, { recursive: true, force: true });
  mkdirSync(OUTPUT_DIR, { recursive: true });
  for (const file of STATIC_FILES) copyFileSync(path.join(SOURCE_DIR, file), path.join(OUTPUT_DIR, file));
  const builder = await context(OPTIONS);
  if (watch) {
    await builder.watch();
    console.log(`watching ${path.relative(process.cwd(), SOURCE_DIR)} (static files are copied at start only); Ctrl-C stops`);
    return;
  }
  const result = await builder.rebuild();
  await builder.dispose();
  const bundle = result.metafile.outputs[path.relative(process.cwd(), OPTIONS.outfile)];
  const inputs = Object.keys(result.metafile.inputs).length;
  console.log(`dashboard built into ${path.relative(process.cwd(), OUTPUT_DIR)}: app.js ${bundle?.bytes ?? '?'} bytes from ${inputs} modules`);
}

main(process.argv.includes('--watch')).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
