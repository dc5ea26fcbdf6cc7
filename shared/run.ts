import type { Server } from 'node:http';
import type { DataSource } from 'typeorm';
import type { Logger } from './logger';

/**
 * Stops a service on SIGTERM/SIGINT: stop accepting connections, let in-flight requests finish,
 * then stop Apollo and close the database.
 */
export function stopGracefully(parts: {
  http: Server;
  apollo: { stop(): Promise<void> };
  db?: DataSource;
  log: Logger;
  extra?: () => Promise<void>;
}): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    parts.log.info({ signal }, 'shutting down');
    await new Promise<void>((resolve) => parts.http.close(() => resolve()));
    await parts.apollo.stop();
    if (parts.db?.isInitialized) await parts.db.destroy();
    if (parts.extra) await parts.extra();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
