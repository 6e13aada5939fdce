// Stops the embedded PostgreSQL that global-setup.js started, if it started one. Jest calls this
// once for each project of a run (each kind of test), so only the first call stops it.
module.exports = async function globalTeardown() {
  const server = globalThis.__MU_EMBEDDED_POSTGRES__;
  globalThis.__MU_EMBEDDED_POSTGRES__ = undefined;
  if (server) await server.stop();
};
