import { hasRows } from '../../shared/db';
import { enterprise as manifest } from './manifest';
import { subgraphTypeDefs, type SubgraphModule } from '../../shared/subgraph';
import { insertEnterprises, type EnterpriseRow } from './seed';
import { entities } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { CreateEnterprise1764000000003 } from './migrations/1764000000003-CreateEnterprise';
import { EnterpriseWrites1766000000003 } from './migrations/1766000000003-EnterpriseWrites';
import { EnterpriseIdempotencyExpiry1768000000030 } from './migrations/1768000000030-IdempotencyExpiry';
import { resolvers } from './resolvers';
import { subjectsOf } from './subjects';

/** The implementation of the subgraph its manifest (manifest.ts) describes: loaded only by the processes that host it. */
export const enterprise: SubgraphModule<Loaders> = {
  ...manifest,
  typeDefs: subgraphTypeDefs(__dirname),
  resolvers,
  entities,
  migrations: [CreateEnterprise1764000000003, EnterpriseWrites1766000000003, EnterpriseIdempotencyExpiry1768000000030],
  createLoaders,
  subjectsOf,
  seed: {
    insert: async (m, rows: { enterprises: readonly EnterpriseRow[] }) => ({ enterprises: await insertEnterprises(m, rows.enterprises) }),
    seeded: async (db) => hasRows(db, 'enterprise.enterprise'),
  },
};
