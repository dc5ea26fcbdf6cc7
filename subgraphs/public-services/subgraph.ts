import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'graphql';
import type { SubgraphModule } from '../../shared/subgraph';
import { entities } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { CreatePublicServices1767000000005 } from './migrations/1767000000005-CreatePublicServices';
import { resolvers } from './resolvers';
import { subjectsOf } from './subjects';
import { seedCatalogue } from './seed';

/** Dịch vụ công — administrative procedures, dossiers and the Decision 766 evaluation of the units that receive them. */
export const publicServices: SubgraphModule<Loaders> = {
  name: 'public-services',
  schema: 'public_services',
  typeDefs: parse(readFileSync(join(__dirname, 'schema.graphql'), 'utf8')),
  resolvers,
  entities,
  migrations: [CreatePublicServices1767000000005],
  references: { Commune: 'administrative-units', Resident: 'population', Enterprise: 'enterprise' },
  createLoaders,
  subjectsOf,
  /** Re-imports the procedure catalogue and departments, then makes every cached copy unreachable. */
  seedReference: async (db, bus) => {
    await seedCatalogue(db);
    await bus?.invalidate(['Procedure', 'Department']);
  },
};
