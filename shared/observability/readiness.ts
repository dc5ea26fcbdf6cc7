import type { ReadyReport } from '../http';

/** How long the database has to answer the readiness probe before the service counts as unready. */
export const DATABASE_PROBE_TIMEOUT_MS = 2_000;

/** The `/ready` answer of a service, and the switch that takes it out of rotation when it stops. */
export interface Readiness {
  check(): Promise<ReadyReport>;
  /** The schema is loaded (the Apollo Server started): until then, unready. */
  started(): void;
  /** Shutting down: unready from now on, so load balancers stop sending while in-flight requests finish. */
  drain(): void;
}

/**
 * Readiness of a gateway or subgraph: ready once its schema is loaded, while its database (if it
 * has one: a gateway in front of remote subgraphs has none) answers `SELECT 1` within
 * {@link DATABASE_PROBE_TIMEOUT_MS}, and until it begins to shut down. A cache on an unreachable
 * Redis leaves it ready but `degraded` (reads go to the database). Each probe asks the database
 * anew, so a service becomes ready again by itself when its database returns.
 */
export function createReadiness(parts: {
  database?: () => Promise<unknown>;
  caching?: { health(): 'ok' | 'degraded' } | null;
  probeTimeoutMs?: number;
}): Readiness {
  let started = false;
  let draining = false;
  const timeoutMs = parts.probeTimeoutMs ?? DATABASE_PROBE_TIMEOUT_MS;
  const probe = async (database: () => Promise<unknown>): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        database().then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), timeoutMs);
        }),
      ]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    started: () => {
      started = true;
    },
    drain: () => {
      draining = true;
    },
    check: async () => {
      const database = parts.database ? ((await probe(parts.database)) ? 'ok' : 'unavailable') : 'none';
      const cache = parts.caching ? parts.caching.health() : 'disabled';
      const ready = started && !draining && database !== 'unavailable';
      return {
        ready,
        status: !ready ? 'unready' : cache === 'degraded' ? 'degraded' : 'ok',
        schema: started ? 'loaded' : 'loading',
        database,
        cache,
        ...(draining ? { draining: true } : {}),
      };
    },
  };
}
