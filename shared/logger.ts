import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs on stdout. Personal data (citizen IDs, names, addresses) must never be passed to a
 * logger: log codes, counts and request ids only.
 */
export function createLogger(name: string, level = 'info'): Logger {
  return pino({ name, level, base: { service: name } });
}
