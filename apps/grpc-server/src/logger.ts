import pino, { type Logger } from 'pino';
import type { LogLevel } from '@meterusage/config';

/** JSON logs on stdout, one line per event; pretty-printing is left to the reader (pino-pretty). */
export function createLogger(level: LogLevel): Logger {
  return pino({ name: 'grpc-server', level });
}

export type { Logger };
