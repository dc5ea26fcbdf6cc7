import { composeServices } from '@apollo/composition';
import type { SubgraphModule } from '../shared/subgraph';
import { loadSubgraphs } from '../subgraphs';

/**
 * Composes the subgraphs' SDL into a supergraph; throws with every composition error. Each
 * subgraph's URL is its docker-compose address (`http://<name>:<port>/graphql`); a gateway in
 * front of separate processes overrides them from its configuration.
 */
export function composeSupergraph(subgraphs: readonly SubgraphModule[] = loadSubgraphs()): string {
  const result = composeServices(subgraphs.map((s) => ({ name: s.name, typeDefs: s.typeDefs, url: `http://${s.name}:${s.port}/graphql` })));
  if (result.errors) throw new Error(`Composition failed:\n${result.errors.map((e) => `  ${e.message}`).join('\n')}`);
  return `${result.supergraphSdl.trimEnd()}\n`;
}
