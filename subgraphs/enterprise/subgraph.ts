import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'graphql';
import type { SubgraphModule } from '../../shared/subgraph';
import { entities } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { CreateEnterprise1764000000003 } from './migrations/1764000000003-CreateEnterprise';
import { EnterpriseWrites1766000000003 } from './migrations/1766000000003-EnterpriseWrites';
import { resolvers } from './resolvers';
import { subjectsOf } from './subjects';

/** Doanh nghiệp — the national enterprise register. */
export const enterprise: SubgraphModule<Loaders> = {
  name: 'enterprise',
  schema: 'enterprise',
  typeDefs: parse(readFileSync(join(__dirname, 'schema.graphql'), 'utf8')),
  resolvers,
  entities,
  migrations: [CreateEnterprise1764000000003, EnterpriseWrites1766000000003],
  references: { Commune: 'administrative-units', Resident: 'population' },
  createLoaders,
  subjectsOf,
};
