import { pino, type Logger } from 'pino';
import type { Config } from '@tracktrove/config';
import type { CliIo } from './io.ts';

/**
 * The server logs to the process's stdout at LOG_LEVEL (default info), as pino does by default; the
 * other commands keep stdout for their results and log to the CLI's stderr, at LOG_LEVEL when it is
 * set and warn otherwise.
 */
export function createLogger(command: string, config: Config, io: CliIo): Logger {
  if (command === 'start') return pino({ level: config.logLevel, base: { service: 'tracktrove' } });
  const level = io.env.LOG_LEVEL?.trim() ? config.logLevel : 'warn';
  return pino({ level, base: { service: 'tracktrove-cli' } }, { write: (line: string) => io.stderr.write(line) });
}
