import { hasRows } from '../../shared/db';
import { land as manifest } from './manifest';
import { subgraphTypeDefs, type SubgraphModule } from '../../shared/subgraph';
import { entities } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { CreateLand1764000000002 } from './migrations/1764000000002-CreateLand';
import { LandWrites1766000000002 } from './migrations/1766000000002-LandWrites';
import { LandIdempotencyExpiry1768000000020 } from './migrations/1768000000020-IdempotencyExpiry';
import { PartitionLand1769000000002 } from './migrations/1769000000002-PartitionLand';
import { LandProvinceIndexes1770000000002 } from './migrations/1770000000002-ProvinceIndexes';
import { resolvers } from './resolvers';
import { subjectsOf } from './subjects';
import { insertLand, seedLandUseTypes, type LandRows } from './seed';

/** The implementation of the subgraph its manifest (manifest.ts) describes: loaded only by the processes that host it. */
export const land: SubgraphModule<Loaders> = {
  ...manifest,
  typeDefs: subgraphTypeDefs(__dirname),
  resolvers,
  entities,
  migrations: [
    CreateLand1764000000002,
    LandWrites1766000000002,
    LandIdempotencyExpiry1768000000020,
    PartitionLand1769000000002,
    LandProvinceIndexes1770000000002,
  ],
  createLoaders,
  subjectsOf,
  /** Re-imports the land-use classification, then makes every cached land-use type unreachable. */
  seedReference: async (db, bus) => {
    await seedLandUseTypes(db);
    await bus?.invalidate(['LandUseType']);
  },
  seed: {
    insert: async (m, rows: LandRows) => ({ ...(await insertLand(m, rows)) }),
    seeded: async (db) => hasRows(db, 'land.land_parcel'),
  },
};
