import { status } from '@grpc/grpc-js';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '@meterusage/testing';
import { openDatabase, type DatabaseHandle } from '../src/db/connection';
import { toGrpcStatus } from '../src/errors';
import { silentLogger } from './support/database';

describe('the statement timeout (DB_STATEMENT_TIMEOUT_MS)', () => {
  let testDatabase: TestDatabase;
  let database: DatabaseHandle;

  beforeAll(async () => {
    testDatabase = await createTestDatabase('statement_timeout');
    database = openDatabase({ connectionString: testDatabase.url, poolMin: 0, poolMax: 2, connectTimeoutMs: 5000, statementTimeoutMs: 200 }, silentLogger);
  }, 60_000);
  afterAll(async () => {
    await database.close();
    await testDatabase.drop();
  });

  it('makes PostgreSQL cancel a slow query, which callers get as DEADLINE_EXCEEDED, and the pool carries on', async () => {
    const error = await sql`select pg_sleep(2)`.execute(database.db).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: '57014' });
    expect(toGrpcStatus(error)).toEqual({ code: status.DEADLINE_EXCEEDED, message: 'the database query took too long and was cancelled', internal: false });
    const { rows } = await sql<{ answer: number }>`select 42 as answer`.execute(database.db);
    expect(rows).toEqual([{ answer: 42 }]);
  });
});
