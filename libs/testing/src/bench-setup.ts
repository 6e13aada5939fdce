// Set-up shared by the benchmarks (`bench` targets): their own database on a PostgreSQL server,
// app processes stopped with their output on failure, and the CPU profiler preload.
import path from 'node:path';
import pg from 'pg';
import type { AppProcess } from './app-process';

const ADMIN_TIMEOUT_MS = 60_000;

/** Path of the preload that writes a .cpuprofile of an app process at its exit (see cpu-profile.js). */
export const CPU_PROFILE_PRELOAD = path.join(__dirname, 'cpu-profile.js');

/** Environment that makes an app started with startApp/startGrpcServer write its CPU profile into `directory`. */
export function cpuProfileEnv(directory: string | undefined): Record<string, string> {
  return directory === undefined ? {} : { NODE_OPTIONS: `--require ${CPU_PROFILE_PRELOAD}`, BENCH_CPU_PROFILE_DIR: path.resolve(directory) };
}

/** One statement on a maintenance database; bounded, because DROP DATABASE waits for every session of the server. */
export async function runAdminStatement(adminUrl: string, statement: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl, statement_timeout: ADMIN_TIMEOUT_MS });
  await admin.connect();
  try {
    await admin.query(statement);
  } catch (error) {
    throw new Error(`${statement}: ${(error as Error).message} (is another session of the server stuck? see pg_stat_activity)`, { cause: error });
  } finally {
    await admin.end();
  }
}

/**
 * Drops and re-creates the benchmark's database `name` on the server of `adminUrl`; returns its URL
 * and the statement-running drop() to call at the end (unless the data should be kept).
 */
export async function recreateBenchDatabase(adminUrl: string, name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const drop = () => runAdminStatement(adminUrl, `drop database if exists ${name} with (force)`);
  await drop();
  await runAdminStatement(adminUrl, `create database ${name}`);
  return { url: Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString(), drop };
}

/** Stops an app with SIGTERM; prints its last output lines when it did not exit cleanly. */
export async function stopBenchProcess(name: string, app: AppProcess): Promise<void> {
  const code = await app.stop('SIGTERM');
  if (code !== 0) console.error(`${name} exited with ${code}:\n${app.output.slice(-20).join('\n')}`);
}

/** A connection string without its user and password, for printing. */
export const redactUrl = (url: string) => url.replace(/\/\/[^@/]*@/, '//');

/** The PostgreSQL maintenance database benches create their databases through: BENCH_DATABASE_URL, else the local server. */
export function benchAdminUrl(): string {
  return process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
}

/** A command-line option that must be an integer ≥ min (a bench's --rows, --reps, …). */
export function integerOption(name: string, text: string, min = 1): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer ≥ ${min}, got "${text}"`);
  return value;
}
