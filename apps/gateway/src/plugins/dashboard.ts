import path from 'node:path';
import fastifyStatic from '@fastify/static';
import fp from 'fastify-plugin';

// <app>/public, from both src/plugins (tsx, jest) and dist/plugins (node).
export const PUBLIC_DIR = path.resolve(__dirname, '..', '..', 'public');
const UPLOT_DIST_DIR = path.join(path.dirname(require.resolve('uplot/package.json')), 'dist');

/** Serves the dashboard at / and the charting library from node_modules at /vendor/uplot/. */
export const dashboardPlugin = fp(
  async (app) => {
    await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/', index: ['index.html'] });
    await app.register(fastifyStatic, { root: UPLOT_DIST_DIR, prefix: '/vendor/uplot/', decorateReply: false });
  },
  { name: 'dashboard' },
);
