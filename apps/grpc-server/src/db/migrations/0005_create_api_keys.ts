import { sql, type Kysely } from 'kysely';

// Frozen once shipped. API keys, shared by every grpc-server on the database. A key's secret is
// "mu_<key_id>_<random>": key_id finds the row, and only a scrypt hash of the whole secret is
// kept (secret_hash, with its salt and cost), so a copy of the database holds no usable secret.
// A revoked key keeps its row (and its name): the audit log names keys, and a name must never
// come to mean another key. The same statements on plain PostgreSQL and TimescaleDB.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table api_keys (
      name text primary key check (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
      key_id text not null unique check (key_id ~ '^[0-9a-f]{16}$'),
      secret_hash bytea not null,
      salt bytea not null,
      -- scrypt's cost parameter N, so hashes made with another cost still verify.
      scrypt_cost integer not null,
      scopes text[] not null check (cardinality(scopes) > 0 and scopes <@ array['read', 'write', 'admin']),
      meter_grants text[] not null,
      expires_at timestamptz,
      created_at timestamptz not null default now(),
      last_used_at timestamptz,
      revoked_at timestamptz
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table api_keys`.execute(db);
}
