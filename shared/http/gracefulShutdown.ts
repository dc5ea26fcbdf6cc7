import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import type { Logger } from '../observability/logger';

/** How long in-flight requests have to finish after SIGTERM unless SHUTDOWN_TIMEOUT_MS says otherwise. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 25_000;

/** What a service closes when it stops, in this order (see {@link shutdown}). */
export interface ServiceParts {
  http: Server;
  apollo: { stop(): Promise<void> };
  db?: DataSource;
  log: Logger;
  extra?: () => Promise<void>;
  drain?: () => void;
  /** Ends long-lived responses (the live streams) with a final message: close() would otherwise wait for them. */
  endStreams?: () => void;
  timeoutMs?: number;
  /**
   * Milliseconds to keep serving after `/ready` turned 503 before the listener closes, so that a
   * load balancer's health checks take the instance out of rotation first (0: close at once).
   */
  drainMs?: number;
}

/**
 * Stops a service without cutting a request: `/ready` turns 503 (`drain`) and, for `drainMs`, the
 * service goes on answering — every response closing its connection, so that clients reconnect,
 * to another instance once the load balancer has seen the 503 — then live streams end with a final
 * message (`endStreams`), the server stops accepting connections, idle keep-alive connections are
 * closed as soon as they are idle, in-flight requests finish (those still running after
 * `timeoutMs` are cut), then Apollo stops and the database and caches close.
 */
export async function shutdown(parts: ServiceParts, reason = 'stop'): Promise<void> {
  const timeoutMs = parts.timeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
  const drainMs = parts.drainMs ?? 0;
  parts.log.info({ signal: reason, timeoutMs, drainMs }, 'shutting down: finishing in-flight requests');
  parts.drain?.();
  if (drainMs > 0) {
    // Before the handler runs, so that no response of the drain keeps its connection alive.
    parts.http.prependListener('request', (_: IncomingMessage, response: ServerResponse) => response.setHeader('connection', 'close'));
    await sleep(drainMs);
  }
  parts.endStreams?.();
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
}

/** Runs `stop` once on SIGTERM or SIGINT, then exits: the entrypoints' graceful shutdown. */
export function onStopSignal(stop: (signal: string) => Promise<void>): void {
  let stopping = false;
  const handle = (signal: string) => {
    if (stopping) return;
    stopping = true;
    void stop(signal).finally(() => process.exit(0));
  };
  process.once('SIGTERM', () => handle('SIGTERM'));
  process.once('SIGINT', () => handle('SIGINT'));
}

/** {@link shutdown} on SIGTERM/SIGINT, then exit. */
export function stopGracefully(parts: ServiceParts): void {
  onStopSignal((signal) => shutdown(parts, signal));
}
