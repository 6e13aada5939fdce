// Stops the embedded PostgreSQL that global-setup.js started, if it started one.
module.exports = async function globalTeardown() {
  const server = globalThis.__MU_EMBEDDED_POSTGRES__;
  if (server) await server.stop();
};
