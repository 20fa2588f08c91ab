import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/** The one structured logger of a process, created at start-up and passed down. */
export function createLogger(options: { name: string; level: string }): Logger {
  return pino({ name: options.name, level: options.level, base: { service: options.name } });
}
