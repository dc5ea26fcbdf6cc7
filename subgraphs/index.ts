import type { SubgraphModule } from '../shared/subgraph';
import { administrativeUnits } from './administrative-units/subgraph';
import { enterprise } from './enterprise/subgraph';
import { land } from './land/subgraph';
import { population } from './population/subgraph';
import { publicServices } from './public-services/subgraph';

/** The registry: one line per subgraph. Order matters only for seeding reference data. */
export const subgraphs: readonly SubgraphModule[] = [administrativeUnits, population, land, enterprise, publicServices];

export function subgraphByName(name: string): SubgraphModule {
  const found = subgraphs.find((s) => s.name === name);
  if (!found) throw new Error(`Unknown subgraph "${name}"; known: ${subgraphs.map((s) => s.name).join(', ')}`);
  return found;
}
