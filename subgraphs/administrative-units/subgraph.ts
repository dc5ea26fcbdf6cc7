import { administrativeUnits as manifest } from './manifest';
import { subgraphTypeDefs, type SubgraphModule } from '../../shared/subgraph';
import { entities } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { CreateAdministrativeUnits1764000000000 } from './migrations/1764000000000-CreateAdministrativeUnits';
import { CreateUnitImport1764100000000 } from './migrations/1764100000000-CreateUnitImport';
import { resolvers } from './resolvers';
import { seedAdministrativeUnits } from './seed';

/** The implementation of the subgraph its manifest (manifest.ts) describes: loaded only by the processes that host it. */
export const administrativeUnits: SubgraphModule<Loaders> = {
  ...manifest,
  typeDefs: subgraphTypeDefs(__dirname),
  resolvers,
  entities,
  migrations: [CreateAdministrativeUnits1764000000000, CreateUnitImport1764100000000],
  createLoaders,
  /**
   * Imports the bundled units unless the database holds them already or holds an imported data set
   * (seed/index.ts), then makes every cached unit unreachable on every instance.
   */
  seedReference: async (db, bus) => {
    await seedAdministrativeUnits(db);
    await bus?.invalidate(['Province', 'Commune', 'LegacyUnit']);
  },
};
