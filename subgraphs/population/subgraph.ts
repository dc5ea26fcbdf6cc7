import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'graphql';
import type { SubgraphModule } from '../../shared/subgraph';
import { entities } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { CreatePopulation1764000000001 } from './migrations/1764000000001-CreatePopulation';
import { PopulationWrites1766000000001 } from './migrations/1766000000001-PopulationWrites';
import { resolvers } from './resolvers';
import { subjectsOf } from './subjects';

/** Dân cư — residents and households of the national population database. */
export const population: SubgraphModule<Loaders> = {
  name: 'population',
  schema: 'population',
  typeDefs: parse(readFileSync(join(__dirname, 'schema.graphql'), 'utf8')),
  resolvers,
  entities,
  migrations: [CreatePopulation1764000000001, PopulationWrites1766000000001],
  references: { Commune: 'administrative-units' },
  createLoaders,
  subjectsOf,
};
