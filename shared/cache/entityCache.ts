import { createCaching, type CacheEntry, type CacheMetrics, type Caching, type InvalidationBus, type RedisTarget } from './';
import type { EntityType } from '../config';
import type { HealthReport } from '../http';
import { jurisdictionKey, type Jurisdiction } from '../auth/jurisdiction';

/**
 * The entity cache of the subgraphs: a read-through in front of every DataLoader batch. One MGET
 * per batch; the misses are loaded in the batch's one SQL statement and written back in one
 * pipeline, with the TTL of their entity types (nulls — unknown keys, or records outside the
 * caller's jurisdiction — with a short negative TTL).
 *
 * Key: `${prefix}e:${subgraph}:${loader}:${scope}:v${versions of the loader's tags}:${key}`.
 * - `scope` is the caller's {@link jurisdictionKey} for loaders whose SQL depends on it or that
 *   read anything personal, so two scopes never share a value; `pub` for public data only.
 * - The versions come from the invalidation bus: `bus.invalidate(['Resident'])` makes every entry
 *   holding residents unreachable at once, on every instance sharing the Redis and the prefix.
 *
 * Redis trouble is not an outage: the stores answer misses, and while the bus cannot trust its
 * versions (Redis away, bumps pending) the cache is bypassed altogether.
 */

/** The scope of loaders of public data (the lead's response cache names public entries the same). */
export const PUBLIC_SCOPE = 'pub';

export interface EntityTtls {
  /** Seconds per entity type; an entry that depends on several types lives as long as the shortest. */
  byType: Readonly<Record<EntityType, number>>;
  /** Seconds a null (no such record, or none visible in this scope) stays cached. */
  negative: number;
}

export const DEFAULT_NEGATIVE_TTL_SECONDS = 30;

/** The entity cache layer of a process: a {@link Caching} plus its TTLs, or switched off. */
export interface EntityCaching extends Caching {
  /** False: every loader reads the database (CACHE_ENABLED=false); nothing connects to Redis. */
  readonly enabled: boolean;
  readonly ttls: EntityTtls;
}

/**
 * The entity cache layer of a process: on Redis when `redis` is given (one server or a cluster), else on the in-process
 * LRU (the embedded default). Pass `metrics` and `bus` to share them with another layer of the
 * process (the gateway's response cache must see the same invalidations).
 */
export function createEntityCaching(options: {
  enabled?: boolean;
  redis?: RedisTarget | undefined;
  prefix: string;
  /** Seconds per entity type: every type a loader tags must be here (the subgraphs declare them). */
  ttls?: Readonly<Record<EntityType, number>>;
  negativeTtlSeconds?: number;
  metrics?: CacheMetrics;
  bus?: InvalidationBus;
  maxEntries?: number;
  onError?: (error: Error) => void;
}): EntityCaching {
  const enabled = options.enabled ?? true;
  const caching = createCaching({
    redis: enabled ? options.redis : undefined,
    prefix: options.prefix,
    layer: 'entity',
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.bus ? { bus: options.bus } : {}),
    ...(options.maxEntries ? { maxEntries: options.maxEntries } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
  });
  return {
    ...caching,
    enabled,
    ttls: {
      byType: { ...options.ttls },
      negative: options.negativeTtlSeconds ?? DEFAULT_NEGATIVE_TTL_SECONDS,
    },
  };
}

/** An entity cache that caches nothing (loaders always read the database). */
export function disabledEntityCaching(prefix = 'lt:'): EntityCaching {
  return createEntityCaching({ enabled: false, prefix, maxEntries: 1 });
}

/**
 * The cache of one loader for one request: reads a batch through the cache. Keys are turned into
 * strings with `keyString` (String by default: loaders key on codes and ids).
 */
export class BatchCache {
  private readonly ttl: number;

  constructor(
    private readonly caching: EntityCaching,
    /** `${prefix}e:${subgraph}:${loader}:${scope}`. */
    private readonly base: string,
    private readonly tags: readonly EntityType[],
  ) {
    if (tags.length === 0) throw new Error(`Cached loader ${base} declares no tags: nothing could invalidate it`);
    this.ttl = Math.min(
      ...tags.map((t) => {
        const seconds = caching.ttls.byType[t];
        if (seconds === undefined) throw new Error(`No cache TTL for entity type "${t}": declare it in its subgraph's entityTypes`);
        return seconds;
      }),
    );
  }

  /**
   * The values of `keys` (in order): from the cache where present (one MGET), the others from
   * `load` — called once, with the missing keys only — then written back (one pipeline).
   * `load` must answer one value per key, in order; null or undefined is cached as a negative.
   */
  async through<K, V>(
    keys: readonly K[],
    load: (keys: readonly K[]) => Promise<V[]>,
    keyString: (key: K) => string = String,
  ): Promise<V[]> {
    const { store, bus, metrics } = this.caching;
    if (!bus.consistent()) {
      // Redis away or invalidations pending: the versions cannot be trusted, so no read nor write.
      metrics.add('entity', 'errors');
      metrics.add('entity', 'misses', keys.length);
      return load(keys);
    }
    const base = `${this.base}:v${bus.version(this.tags)}:`;
    const cacheKeys = keys.map((k) => base + keyString(k));
    const cached = await store.mget(cacheKeys);
    const values = new Array<V>(keys.length);
    const missing: number[] = [];
    cached.forEach((raw, i) => {
      if (raw === null) {
        missing.push(i);
        return;
      }
      try {
        values[i] = JSON.parse(raw) as V;
      } catch {
        missing.push(i);
      }
    });
    metrics.add('entity', 'hits', keys.length - missing.length);
    metrics.add('entity', 'misses', missing.length);
    if (missing.length === 0) return values;
    const loaded = await load(missing.map((i) => keys[i]!));
    const entries: CacheEntry[] = missing.map((i, j) => {
      const value = loaded[j] as V;
      values[i] = value;
      const negative = value === null || value === undefined;
      return {
        key: cacheKeys[i]!,
        value: JSON.stringify(negative ? null : value),
        ttlSeconds: negative ? this.caching.ttls.negative : this.ttl,
      };
    });
    await store.mset(entries);
    return values;
  }
}

/** Builds the {@link BatchCache} of each loader of one subgraph for one request (undefined when caching is off). */
export interface LoaderCaches {
  /**
   * For a loader whose SQL depends on the caller's jurisdiction, or that reads anything personal:
   * its keys carry the caller's scope.
   */
  scoped(loader: string, tags: readonly EntityType[]): BatchCache | undefined;
  /** For a loader of public data (the same answer for every caller): one key space for all. */
  shared(loader: string, tags: readonly EntityType[]): BatchCache | undefined;
}

export function loaderCaches(caching: EntityCaching, subgraph: string, jurisdiction: Jurisdiction): LoaderCaches {
  const make = (scope: string) => (loader: string, tags: readonly EntityType[]) =>
    caching.enabled ? new BatchCache(caching, `${caching.prefix}e:${subgraph}:${loader}:${scope}`, tags) : undefined;
  return { scoped: make(jurisdictionKey(jurisdiction)), shared: make(PUBLIC_SCOPE) };
}

/**
 * The `/health` check of a process with a cache: `unavailable` (503) when the database does not
 * answer, `degraded` (still 200) while Redis is unreachable or invalidations are pending, else
 * `ok`; with the cache counters (`"disabled"` without a cache).
 */
export function healthCheck(
  caching: Pick<Caching, 'health' | 'metrics'> | null,
  database?: () => Promise<boolean>,
): () => Promise<HealthReport> {
  return async () => {
    const databaseUp = database ? await database().catch(() => false) : true;
    return {
      status: !databaseUp ? 'unavailable' : (caching?.health() ?? 'ok'),
      cache: caching ? caching.metrics.snapshot() : 'disabled',
    };
  };
}
