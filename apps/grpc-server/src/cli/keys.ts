#!/usr/bin/env node
// meterusage-keys: creates, lists and revokes API keys, straight in the database grpc-server uses
// (its DATABASE_URL / DB_* / EMBEDDED_DB_* settings), so the first admin key can be made before
// any key exists.
//   pnpm keys create --name NAME --scopes read,write --meters 'meter-1,site-*' [--expires 30d] [--json]
//   pnpm nx run grpc-server:keys -- list        (through nx, every failure exits 1)
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '@meterusage/config';
import pino from 'pino';
import { createApiKey, listApiKeys, revokeApiKeyNamed } from '../access/api-keys';
import type { ApiKeyRow } from '../access/api-keys.repository';
import { loadServerConfig } from '../config';
import { openDatabase } from '../db/connection';
import { embeddedConnectionString } from '../db/embedded-postgres';
import { migrateToLatest } from '../db/migrate';
import { toGrpcStatus } from '../errors';
import { status as GrpcCode } from '@grpc/grpc-js';

const USAGE = `usage: meterusage-keys COMMAND [options]
  create --name NAME --scopes SCOPES [--meters GRANTS] [--expires WHEN] [--json]
         SCOPES: comma-separated read, write, admin
         GRANTS: comma-separated meter ids, prefixes ending in * ('site-12-*'), or '*' for every meter
         WHEN:   a duration (90m, 12h, 30d) or an RFC 3339 time with its offset
         prints the secret, this once: only a slow hash of it is stored
  list   [--json]            every key (revoked ones too), without secrets
  revoke NAME [--json]       refuses the key on every grpc-server within AUTH_KEY_CACHE_MS (2 s by default)
The database is grpc-server's: DATABASE_URL, DB_HOST/DB_PORT/DB_NAME/DB_USER/DB_PASS, or the
embedded PostgreSQL of a running grpc-server (EMBEDDED_DB_PORT).
exit status: 0 done, 1 refused (the name is taken, no key has the name), 2 usage error or invalid
  values, 3 database unreachable or failed`;

function usageError(message: string): never {
  process.stderr.write(`meterusage-keys: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

const DURATION_UNITS_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** --expires as an instant: now plus a duration, or an RFC 3339 time with an offset. */
function expiryOf(text: string, nowMs: number): Date {
  const duration = /^(\d{1,6})([mhd])$/.exec(text);
  if (duration !== null) return new Date(nowMs + Number(duration[1]) * DURATION_UNITS_MS[duration[2]!]!);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(text) && !Number.isNaN(Date.parse(text))) return new Date(text);
  return usageError(`--expires must be a duration (90m, 12h, 30d) or an RFC 3339 time with its offset, got "${text}"`);
}

function listOf(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

function keyJson(row: ApiKeyRow) {
  return {
    name: row.name,
    scopes: row.scopes,
    meters: row.meter_grants,
    expiresAt: row.expires_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
  };
}

function keyLine(row: ApiKeyRow): string {
  const state =
    row.revoked_at !== null ? `revoked ${row.revoked_at.toISOString()}` : row.expires_at !== null ? `expires ${row.expires_at.toISOString()}` : 'no expiry';
  return `${row.name}\t${row.scopes.join(',')}\t${row.meter_grants.join(',') || '-'}\t${state}\tlast used ${row.last_used_at?.toISOString() ?? 'never'}`;
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  if (command === undefined || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    process.exit(command === undefined ? 2 : 0);
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        name: { type: 'string' },
        scopes: { type: 'string' },
        meters: { type: 'string', default: '' },
        expires: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    usageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (!['create', 'list', 'revoke'].includes(command)) usageError(`unknown command "${command}"`);
  if (command === 'revoke' && positionals.length !== 1) usageError('revoke takes the name of one key');
  if (command !== 'revoke' && positionals.length > 0) usageError(`unexpected argument "${positionals[0]}"`);
  if (command === 'create' && (values.name === undefined || values.scopes === undefined)) usageError('create needs --name and --scopes');

  const config = loadConfigOrExit('meterusage-keys', () => loadServerConfig());
  const logger = pino({ name: 'meterusage-keys', level: 'warn' }, pino.destination(2));
  const connectionString = config.database.kind === 'embedded' ? embeddedConnectionString(config.database.port) : config.database.connectionString;
  const database = openDatabase({ connectionString, poolMin: 0, poolMax: 1, connectTimeoutMs: config.connectTimeoutMs }, logger);
  try {
    await migrateToLatest(database.db, logger);
    if (command === 'create') {
      const nowMs = Date.now();
      const { row, secret } = await createApiKey(
        database.db,
        {
          name: values.name!,
          scopes: listOf(values.scopes!),
          meterGrants: listOf(values.meters),
          expiresAt: values.expires === undefined ? undefined : expiryOf(values.expires, nowMs),
        },
        nowMs,
      );
      if (values.json) process.stdout.write(`${JSON.stringify({ ...keyJson(row), secret })}\n`);
      else process.stdout.write(`created ${keyLine(row)}\nsecret (shown this once; send it as "Authorization: Bearer <secret>"):\n${secret}\n`);
    } else if (command === 'list') {
      const rows = await listApiKeys(database.db);
      if (values.json) process.stdout.write(`${JSON.stringify({ keys: rows.map(keyJson) })}\n`);
      else process.stdout.write(rows.map((row) => `${keyLine(row)}\n`).join('') || 'no keys\n');
    } else {
      const row = await revokeApiKeyNamed(database.db, positionals[0]!);
      if (values.json) process.stdout.write(`${JSON.stringify(keyJson(row))}\n`);
      else process.stdout.write(`revoked ${keyLine(row)}\n`);
    }
    process.exitCode = 0;
  } catch (error) {
    const status = toGrpcStatus(error);
    const detail = status.internal ? (error as Error).message : status.message;
    process.stderr.write(`meterusage-keys: ${detail}\n`);
    process.exitCode = status.code === GrpcCode.INVALID_ARGUMENT ? 2 : status.code === GrpcCode.ALREADY_EXISTS || status.code === GrpcCode.NOT_FOUND ? 1 : 3;
  } finally {
    await database.close();
  }
}

void main();
