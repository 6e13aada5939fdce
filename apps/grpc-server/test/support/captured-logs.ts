import { Writable } from 'node:stream';
import pino from 'pino';

/** A logger at info whose lines are kept, parsed, in `logs` (tests read what ingest logged, e.g. its write path). */
export function capturingLogger(): { logger: pino.Logger; logs: Array<Record<string, unknown>> } {
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        done();
      },
    }),
  );
  return { logger, logs };
}
