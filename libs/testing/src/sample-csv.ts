import { readFileSync } from 'node:fs';
import path from 'node:path';
import { WORKSPACE_ROOT } from './app-process';

export const SAMPLE_CSV_PATH = path.join(WORKSPACE_ROOT, 'meterusage.csv');

export interface SampleRow {
  /** "2019-01-01T00:15:00Z": the CSV's naive time read as UTC. */
  time: string;
  /** The value as a number, or null for NaN. */
  meterusage: number | null;
}

/**
 * The sample CSV read the simplest way possible (split lines and commas), independent of the
 * application's parser, so tests compare the system against the file itself.
 */
export function readSampleCsv(): SampleRow[] {
  const [, ...lines] = readFileSync(SAMPLE_CSV_PATH, 'utf8').trim().split('\n');
  return lines.map((line) => {
    const [time, value] = line.split(',');
    return { time: `${time!.replace(' ', 'T')}Z`, meterusage: value === 'NaN' ? null : Number(value) };
  });
}
