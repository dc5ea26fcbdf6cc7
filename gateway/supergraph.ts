import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { subgraphs } from '../subgraphs';

/** Where the committed supergraph lives: the gateway's schema and the offline schema reference. */
export const SUPERGRAPH_PATH = join(__dirname, 'supergraph.graphql');

/** Default subgraph URLs, as in docker-compose.yml; the gateway overrides them from its configuration. */
export const DEFAULT_SUBGRAPH_PORTS: Record<string, number> = {
  'administrative-units': 4001,
  population: 4002,
  land: 4003,
  enterprise: 4004,
  'public-services': 4005,
};

/** Composes the subgraphs' SDL into a supergraph; throws with every composition error. */
export function composeSupergraph(): string {
  const result = composeServices(
    subgraphs.map((s) => ({
      name: s.name,
      typeDefs: s.typeDefs,
      url: `http://${s.name}:${DEFAULT_SUBGRAPH_PORTS[s.name] ?? 4000}/graphql`,
    })),
  );
  if (result.errors) throw new Error(`Composition failed:\n${result.errors.map((e) => `  ${e.message}`).join('\n')}`);
  return `${result.supergraphSdl.trimEnd()}\n`;
}

export function readCommittedSupergraph(): string {
  return readFileSync(SUPERGRAPH_PATH, 'utf8');
}
