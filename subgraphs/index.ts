import { loadModules, type SubgraphManifest } from '../shared/subgraph/manifest';
import type { SubgraphModule } from '../shared/subgraph';
import { administrativeUnits } from './administrative-units/manifest';
import { enterprise } from './enterprise/manifest';
import { land } from './land/manifest';
import { population } from './population/manifest';
import { publicServices } from './public-services/manifest';

/**
 * The registry: one line per subgraph, naming its manifest (what the hub knows of it without
 * loading its code). Order matters only for seeding reference data.
 */
export const subgraphs: readonly SubgraphManifest[] = [administrativeUnits, population, land, enterprise, publicServices];

export function subgraphByName(name: string): SubgraphManifest {
  const found = subgraphs.find((s) => s.name === name);
  if (!found) throw new Error(`Unknown subgraph "${name}"; known: ${subgraphs.map((s) => s.name).join(', ')}`);
  return found;
}

/** The implementations of the registered subgraphs (or of `list`), loaded on first use: for the processes that host them. */
export function loadSubgraphs(list: readonly SubgraphManifest[] = subgraphs): SubgraphModule[] {
  return loadModules(list);
}
