import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'graphql';
import type { SubgraphModule } from '../../shared/subgraph';
import { entities } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { CreateAdministrativeUnits1764000000000 } from './migrations/1764000000000-CreateAdministrativeUnits';
import { CreateUnitImport1764100000000 } from './migrations/1764100000000-CreateUnitImport';
import { resolvers } from './resolvers';
import { seedAdministrativeUnits } from './seed';

/** Đơn vị hành chính — the official administrative units, today's and pre-reform. */
export const administrativeUnits: SubgraphModule<Loaders> = {
  name: 'administrative-units',
  schema: 'administrative_units',
  typeDefs: parse(readFileSync(join(__dirname, 'schema.graphql'), 'utf8')),
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
