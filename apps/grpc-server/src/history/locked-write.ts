import type pg from 'pg';
import type { DatabaseHandle } from '../db/connection';
import type { StorageFeatures } from '../db/timescale';
import { catchUpRollup, type ChangedReadings } from '../ingest/rollup-catch-up';
import { lockMeters, renewDataVersions } from '../ingest/staging.repository';
import type { Logger } from '../logger';

// What a revert and an estimation run share with an upload: one connection, one transaction, the
// meters locked in meter order before anything is read (so they wait for an upload of the same
// meters, and it for them), the data versions renewed with the write, and after the commit the
// hourly rollup refreshed over what changed (TimescaleDB; a failure there is logged, the write stands).

/** What the work inside the transaction decided. */
export interface LockedWriteOutcome<Result> {
  result: Result;
  /** False: roll back (a dry run, or nothing to write). */
  commit: boolean;
  /** The meters whose readings changed and the span they changed in (for versions and the rollup). */
  changed?: ChangedReadings;
}

export interface LockedWriteDeps {
  storage: StorageFeatures;
  logger: Logger;
  /** What is writing, for the log lines: "revert", "estimate". */
  source: string;
}

/** Runs work in a transaction holding the meters' locks; commits or rolls back as it decides, all or nothing. */
export async function writeWithMetersLocked<Result>(
  database: DatabaseHandle,
  meterIds: string[],
  deps: LockedWriteDeps,
  work: (client: pg.PoolClient) => Promise<LockedWriteOutcome<Result>>,
): Promise<Result> {
  const client = await database.pool.connect();
  let failed = false;
  let outcome: LockedWriteOutcome<Result>;
  try {
    await client.query('begin');
    // Bounded by the call's deadline, like an upload: a year of one meter is one statement's work.
    await client.query('set local statement_timeout = 0');
    await lockMeters(client, [...meterIds].sort());
    outcome = await work(client);
    if (outcome.commit && outcome.changed !== undefined) await renewDataVersions(client, outcome.changed.meterIds);
    await client.query(outcome.commit ? 'commit' : 'rollback');
  } catch (error) {
    failed = true;
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release(failed);
  }
  const changed = outcome.changed;
  if (outcome.commit && changed !== undefined && deps.storage.hourlyRollup) await catchUpRollup(database, changed, deps.logger, { source: deps.source });
  return outcome.result;
}
