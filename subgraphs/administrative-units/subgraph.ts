import { join } from 'node:path';
import { subgraphTypeDefs, type SubgraphModule } from '../../shared/subgraph';
import { entities } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { CreateAdministrativeUnits1764000000000 } from './migrations/1764000000000-CreateAdministrativeUnits';
import { CreateUnitImport1764100000000 } from './migrations/1764100000000-CreateUnitImport';
import { resolvers } from './resolvers';
import { seedAdministrativeUnits } from './seed';

/** Đơn vị hành chính — the official administrative units, today's and pre-reform. */
export const administrativeUnits: SubgraphModule<Loaders> = {
  name: 'administrative-units',
  description:
    "Đơn vị hành chính — today's 34 provinces and 3,321 communes (with the changes since 2025-07-01 and their effective dates), and the pre-reform 63 provinces / 696 districts / 10,047 communes with their successors",
  schema: 'administrative_units',
  entrypoint: join(__dirname, 'index.ts'),
  port: 4001,
  /** Official units change by decree, and their import invalidates them: kept a day. */
  entityTypes: { Province: 86_400, Commune: 86_400, LegacyUnit: 86_400 },
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
