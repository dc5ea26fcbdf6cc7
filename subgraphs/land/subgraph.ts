import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'graphql';
import type { SubgraphModule } from '../../shared/subgraph';
import { entities } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { CreateLand1764000000002 } from './migrations/1764000000002-CreateLand';
import { LandWrites1766000000002 } from './migrations/1766000000002-LandWrites';
import { resolvers } from './resolvers';
import { subjectsOf } from './subjects';
import { seedLandUseTypes } from './seed';

/** Đất đai — land parcels and the holders of their land-use rights. */
export const land: SubgraphModule<Loaders> = {
  name: 'land',
  schema: 'land',
  typeDefs: parse(readFileSync(join(__dirname, 'schema.graphql'), 'utf8')),
  resolvers,
  entities,
  migrations: [CreateLand1764000000002, LandWrites1766000000002],
  references: { Commune: 'administrative-units', Resident: 'population', Enterprise: 'enterprise' },
  createLoaders,
  subjectsOf,
  /** Re-imports the land-use classification, then makes every cached land-use type unreachable. */
  seedReference: async (db, bus) => {
    await seedLandUseTypes(db);
    await bus?.invalidate(['LandUseType']);
  },
};
