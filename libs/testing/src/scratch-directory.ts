import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A fresh temporary folder that other system users may enter: run as root, embedded PostgreSQL
 * runs as the 'postgres' user and must reach its data directory inside.
 */
export function scratchDirectory(prefix: string): string {
  const directory = mkdtempSync(path.join(tmpdir(), `${prefix}-`));
  chmodSync(directory, 0o755);
  return directory;
}
