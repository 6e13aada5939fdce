import type { ColumnType, Generated } from 'kysely';

/** Which end of its interval a reading's source timestamp names. */
export type TimeLabel = 'start' | 'end';

export interface MetersTable {
  meter_id: string;
  /** Unit of every usage value of the meter, e.g. 'kWh'. */
  unit: Generated<string>;
  /** Length of one reading's interval, in seconds (900 = 15 minutes). */
  interval_seconds: Generated<number>;
  /** Whether source timestamps label the start or the end of an interval. */
  time_label: Generated<TimeLabel>;
  created_at: Generated<Date>;
  /** Renewed (the time in microseconds, or one more) by every write that changes the meter's readings. pg returns bigint as a string. */
  data_version: Generated<string>;
}

export interface ReadingsTable {
  meter_id: string;
  /** Inclusive start of the interval; the interval ends interval_seconds later. */
  interval_start: ColumnType<Date, Date | string, Date | string>;
  /** Energy in the meter's unit; NULL is a missing reading. numeric: pg returns it as a string. */
  usage: ColumnType<string | null, string | null, string | null>;
  /** The upload that wrote the value (bigint as a string); NULL for values stored before migration 0007. */
  upload_id: ColumnType<string | null, string | null | undefined, string | null>;
  quality: Generated<StoredQuality>;
}

/** Where a stored value comes from (migration 0007): as received, an estimate, or a correction by hand. */
export type StoredQuality = 'actual' | 'estimated' | 'edited';

/** A version of a reading that a write replaced or a revert removed (migration 0007); never updated. */
export interface ReadingsHistoryTable {
  meter_id: string;
  interval_start: ColumnType<Date, Date | string, Date | string>;
  usage: string | null;
  quality: StoredQuality;
  /** The upload that wrote this version; NULL when it was stored before uploads were recorded. */
  upload_id: string | null;
  /** When this version took effect (its upload's committed_at; -infinity when unknown). */
  valid_from: ColumnType<Date, Date | string, Date | string>;
  /** The upload that replaced or removed it, and its committed_at. */
  replaced_by: string;
  replaced_at: ColumnType<Date, Date | string, Date | string>;
}

/** Rows migration 0003 moved out of readings because their usage broke the value domain. */
export interface ReadingsQuarantineTable {
  meter_id: string;
  interval_start: ColumnType<Date, Date | string, Date | string>;
  /** The stored value as text. */
  usage: string;
  /** Which part of the domain it broke, e.g. 'not below 10^12'. */
  reason: string;
  quarantined_at: Generated<Date>;
}

/** An API key (migration 0005); the secret itself is never stored. */
export interface ApiKeysTable {
  name: string;
  /** The public part of the secret ("mu_<key_id>_…"), to find the row. */
  key_id: string;
  /** scrypt of the whole secret with salt and cost N = scrypt_cost. */
  secret_hash: Buffer;
  salt: Buffer;
  scrypt_cost: number;
  /** Any of 'read', 'write', 'admin'. */
  scopes: string[];
  /** Exact meter ids, prefixes ending in '*', or '*'. */
  meter_grants: string[];
  expires_at: Date | null;
  created_at: Generated<Date>;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** The record of a committed upload (migration 0006). */
export interface UploadsTable {
  /** bigint identity: pg returns it as a string. */
  upload_id: Generated<string>;
  received_at: Date;
  committed_at: Generated<Date>;
  source: string;
  /** The API key's name. */
  caller: string;
  file_name: string;
  /** Lowercase hex SHA-256 of the bytes received. */
  sha256: string;
  /** The upload's options as plain JSON (UploadRecordOptions). */
  options: ColumnType<unknown, string, string>;
  meter_ids: string[];
  /** The upload's report as plain JSON (UploadRecordReport). */
  report: ColumnType<unknown, string, string>;
  /** False for records made before migration 0007: no history behind them, so no revert. */
  history_kept: Generated<boolean>;
}

/** The database as Kysely sees it. */
export interface Database {
  meters: MetersTable;
  readings: ReadingsTable;
  readings_history: ReadingsHistoryTable;
  readings_quarantine: ReadingsQuarantineTable;
  api_keys: ApiKeysTable;
  uploads: UploadsTable;
}
