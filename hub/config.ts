import { loadConfig, type Config, type EntityType } from '../shared/config';
import type { SubgraphManifest } from '../shared/subgraph/manifest';
import type { SubgraphModule } from '../shared/subgraph';
import { subgraphs as registry } from '../subgraphs';

/** The subgraphs a hub serves: `list` when given (a test adds one), else the registry's manifests. */
export function hubSubgraphs(list?: readonly SubgraphManifest[]): readonly SubgraphManifest[] {
  return list ?? registry;
}

/**
 * The configuration of a process that knows every subgraph (the gateway, the CLI, the bench):
 * each registered subgraph's URL variable, and CACHE_TTLS checked against their entity types.
 */
export function loadHubConfig(env: Record<string, string | undefined>, subgraphs: readonly SubgraphManifest[] = registry): Config {
  return loadConfig(env, { subgraphs, complete: true });
}

/** Every entity type of the registered subgraphs, in registry order. */
export function entityTypes(subgraphs: readonly SubgraphManifest[] = registry): EntityType[] {
  return subgraphs.flatMap((s) => Object.keys(s.entityTypes));
}

/** Every entity type's default cache TTL in seconds, as the subgraphs declare them. */
export function entityTtls(subgraphs: readonly SubgraphManifest[] = registry): Record<EntityType, number> {
  return Object.assign({}, ...subgraphs.map((s) => s.entityTypes)) as Record<EntityType, number>;
}

/** The entity types whose records the synthetic seed writes: caches of them are stale after a seed. */
export function seededEntityTypes(subgraphs: readonly SubgraphModule[]): EntityType[] {
  return entityTypes(subgraphs.filter((s) => s.seed));
}
