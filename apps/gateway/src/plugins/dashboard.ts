import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import fp from 'fastify-plugin';

// The built dashboard (scripts/build-dashboard.ts writes it): <app>/dist/public, from both
// src/plugins (tsx, jest) and dist/plugins (node, the image).
export const PUBLIC_DIR = path.resolve(__dirname, '..', '..', 'dist', 'public');
const UPLOT_DIST_DIR = path.join(path.dirname(require.resolve('uplot/package.json')), 'dist');

/** Serves the dashboard at / and the charting library from node_modules at /vendor/uplot/. */
export const dashboardPlugin = fp(
  async (app) => {
    if (!existsSync(path.join(PUBLIC_DIR, 'app.js')) || !existsSync(path.join(PUBLIC_DIR, 'index.html'))) {
      throw new Error(
        `the dashboard is not built (no app.js and index.html in ${PUBLIC_DIR}): run \`pnpm nx run gateway:build-dashboard\` (or the gateway's build)`,
      );
    }
    await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/', index: ['index.html'] });
    await app.register(fastifyStatic, { root: UPLOT_DIST_DIR, prefix: '/vendor/uplot/', decorateReply: false });
  },
  { name: 'dashboard' },
);
