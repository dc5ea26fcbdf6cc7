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
  /**
   * A gateway's subgraphs, by name: `embedded` (in this process: they follow the database) or the
   * `/ready` URL of each separate process, asked at each probe. A subgraph down leaves the gateway
   * ready (it answers without that subgraph's fields) but `degraded`.
   */
  subgraphs?: Readonly<Record<string, 'embedded' | URL>>;
  /** The read replica's state (shared/db/replica.ts): away or lagging, the service stays ready but `degraded`. */
  replica?: () => { replica: unknown; degraded: boolean } | null;
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
      const [database, subgraphs] = await Promise.all([
        parts.database ? probe(parts.database).then((ok) => (ok ? 'ok' : 'unavailable')) : 'none',
        parts.subgraphs ? probeSubgraphs(parts.subgraphs, probe) : undefined,
      ]);
      const cache = parts.caching ? parts.caching.health() : 'disabled';
      const ready = started && !draining && database !== 'unavailable';
      const subgraphDown = subgraphs !== undefined && Object.values(subgraphs).includes('unavailable');
      const replica = parts.replica?.();
      return {
        ready,
        status: !ready ? 'unready' : cache === 'degraded' || subgraphDown || replica?.degraded ? 'degraded' : 'ok',
        schema: started ? 'loaded' : 'loading',
        database,
        ...(replica ? { replica: replica.replica } : {}),
        cache,
        ...(subgraphs ? { subgraphs } : {}),
        ...(draining ? { draining: true } : {}),
      };
    },
  };
}

/** Each subgraph's state: `embedded`, or whether its own `/ready` answered 2xx within the probe's timeout. */
async function probeSubgraphs(
  subgraphs: Readonly<Record<string, 'embedded' | URL>>,
  probe: (check: () => Promise<unknown>) => Promise<boolean>,
): Promise<Record<string, 'embedded' | 'ok' | 'unavailable'>> {
  const entries = await Promise.all(
    Object.entries(subgraphs).map(async ([name, where]) => {
      if (where === 'embedded') return [name, 'embedded'] as const;
      const ok = await probe(async () => {
        const response = await fetch(where, { signal: AbortSignal.timeout(DATABASE_PROBE_TIMEOUT_MS) });
        await response.body?.cancel();
        if (!response.ok) throw new Error(`${response.status}`);
      });
      return [name, ok ? 'ok' : 'unavailable'] as const;
    }),
  );
  return Object.fromEntries(entries);
}
