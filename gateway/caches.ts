import type { Config } from '../shared/config';
import { CacheMetrics, createCaching, type Caching } from '../shared/cache';
import { createEntityCaching, type EntityCaching } from '../shared/cache/entityCache';
import type { Logger } from '../shared/observability/logger';

/**
 * The cache layers of a gateway process, sharing one invalidation bus and one set of counters:
 * `entity` (the subgraphs' loaders, in embedded mode), `response` (whole responses, answered before
 * parsing) and `apq` (automatic persisted queries). In Redis when REDIS_URL or REDIS_CLUSTER_NODES is set, in-process
 * otherwise; null when CACHE_ENABLED=false.
 */
export interface GatewayCaches {
  /** Also the TTLs of the subgraphs' loaders (shared/cache/entityCache.ts). */
  entity: EntityCaching;
  response: Caching;
  apq: Caching;
  metrics: CacheMetrics;
  health(): 'ok' | 'degraded';
  close(): Promise<void>;
}

export function createGatewayCaches(config: Config, log: Logger): GatewayCaches | null {
  if (!config.CACHE_ENABLED) return null;
  const metrics = new CacheMetrics();
  let warned = false;
  const onError = (error: Error) => {
    if (warned) return;
    warned = true;
    log.warn({ err: error }, 'Redis unreachable: caches read as misses until it returns');
  };
  const common = { redis: config.REDIS, prefix: config.CACHE_PREFIX, metrics, onError };
  const entity = createEntityCaching({ ...common, ttls: config.ENTITY_TTLS, negativeTtlSeconds: config.CACHE_NEGATIVE_TTL_SECONDS });
  const response = createCaching({ ...common, layer: 'response', bus: entity.bus });
  const apq = createCaching({ ...common, layer: 'apq', bus: entity.bus });
  return {
    entity,
    response,
    apq,
    metrics,
    health: () => ([entity, response, apq].every((c) => c.health() === 'ok') ? 'ok' : 'degraded'),
    close: async () => {
      await Promise.all([response.close(), apq.close()]);
      await entity.close();
    },
  };
}
