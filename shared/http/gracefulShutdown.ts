import type { Server } from 'node:http';
import type { DataSource } from 'typeorm';
import type { Logger } from '../observability/logger';

/** How long in-flight requests have to finish after SIGTERM unless SHUTDOWN_TIMEOUT_MS says otherwise. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 25_000;

/**
 * Stops a service on SIGTERM/SIGINT without cutting a request: `/ready` turns 503 (`drain`), the
 * server stops accepting connections, idle keep-alive connections are closed as soon as they are
 * idle, in-flight requests finish (those still running after `timeoutMs` are cut), then Apollo
 * stops and the database and caches close.
 */
export function stopGracefully(parts: {
  http: Server;
  apollo: { stop(): Promise<void> };
  db?: DataSource;
  log: Logger;
  extra?: () => Promise<void>;
  drain?: () => void;
  timeoutMs?: number;
}): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const timeoutMs = parts.timeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
    parts.log.info({ signal, timeoutMs }, 'shutting down: finishing in-flight requests');
    parts.drain?.();
    const closed = new Promise<void>((resolve) => parts.http.close(() => resolve()));
    // A keep-alive connection whose request just finished would otherwise hold close() for its idle timeout.
    const idle = setInterval(() => parts.http.closeIdleConnections(), 50);
    const deadline = setTimeout(() => {
      parts.log.warn({ timeoutMs }, 'shutdown timeout: cutting the requests still running');
      parts.http.closeAllConnections();
    }, timeoutMs);
    await closed;
    clearInterval(idle);
    clearTimeout(deadline);
    await parts.apollo.stop();
    if (parts.db?.isInitialized) await parts.db.destroy();
    if (parts.extra) await parts.extra();
    parts.log.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
