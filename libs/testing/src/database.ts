import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export interface TestDatabase {
  /** Connection string of a new, empty database. */
  url: string;
  /** Drops the database (terminating any connection left open). */
  drop(): Promise<void>;
}

/** The maintenance URL that global-setup.js chose (local server, TEST_DATABASE_URL or embedded). */
export function adminDatabaseUrl(): string {
  const url = process.env.MU_TEST_ADMIN_URL;
  if (url === undefined) throw new Error('MU_TEST_ADMIN_URL is not set: add @meterusage/testing/global-setup to the jest config');
  return url;
}

/** Creates an empty database with a unique name, so every test file owns its data. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = `mu_test_${label.replace(/\W/g, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  await runAdmin(`create database ${name}`);
  const url = new URL(adminDatabaseUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => runAdmin(`drop database if exists ${name} with (force)`),
  };
}

/** Runs one statement on the maintenance database. */
export async function runAdmin(statement: string): Promise<void> {
  const client = new Client({ connectionString: adminDatabaseUrl() });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
