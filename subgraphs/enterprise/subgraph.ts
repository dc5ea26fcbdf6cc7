import { join } from 'node:path';
import { hasRows } from '../../shared/db';
import { subgraphTypeDefs, type SubgraphModule } from '../../shared/subgraph';
import { insertEnterprises, type EnterpriseRow } from './seed';
import { entities } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { CreateEnterprise1764000000003 } from './migrations/1764000000003-CreateEnterprise';
import { EnterpriseWrites1766000000003 } from './migrations/1766000000003-EnterpriseWrites';
import { EnterpriseIdempotencyExpiry1768000000030 } from './migrations/1768000000030-IdempotencyExpiry';
import { resolvers } from './resolvers';
import { subjectsOf } from './subjects';

/** Doanh nghiệp — the national enterprise register. */
export const enterprise: SubgraphModule<Loaders> = {
  name: 'enterprise',
  description: 'Doanh nghiệp — the national enterprise register',
  schema: 'enterprise',
  entrypoint: join(__dirname, 'index.ts'),
  port: 4004,
  /** The register changes through procedures that take days: 15 minutes. */
  entityTypes: { Enterprise: 900 },
  typeDefs: subgraphTypeDefs(__dirname),
  resolvers,
  entities,
  migrations: [CreateEnterprise1764000000003, EnterpriseWrites1766000000003, EnterpriseIdempotencyExpiry1768000000030],
  references: { Commune: 'administrative-units', Resident: 'population' },
  createLoaders,
  subjectsOf,
  seed: {
    insert: async (m, rows: { enterprises: readonly EnterpriseRow[] }) => ({ enterprises: await insertEnterprises(m, rows.enterprises) }),
    seeded: async (db) => hasRows(db, 'enterprise.enterprise'),
  },
};
