import { join } from 'node:path';
import { hasRows } from '../../shared/db';
import { subgraphTypeDefs, type SubgraphModule } from '../../shared/subgraph';
import { entities } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { CreateLand1764000000002 } from './migrations/1764000000002-CreateLand';
import { LandWrites1766000000002 } from './migrations/1766000000002-LandWrites';
import { LandIdempotencyExpiry1768000000020 } from './migrations/1768000000020-IdempotencyExpiry';
import { PartitionLand1769000000002 } from './migrations/1769000000002-PartitionLand';
import { resolvers } from './resolvers';
import { subjectsOf } from './subjects';
import { insertLand, seedLandUseTypes, type LandRows } from './seed';

/** Đất đai — land parcels and the holders of their land-use rights. */
export const land: SubgraphModule<Loaders> = {
  name: 'land',
  description: 'Đất đai — land parcels and the holders of their land-use rights',
  schema: 'land',
  entrypoint: join(__dirname, 'index.ts'),
  port: 4003,
  /**
   * Land records change through procedures that take days: 15 minutes. The land-use
   * classification changes by law, and its import invalidates it: a day.
   */
  entityTypes: { LandParcel: 900, LandUseType: 86_400 },
  typeDefs: subgraphTypeDefs(__dirname),
  resolvers,
  entities,
  migrations: [CreateLand1764000000002, LandWrites1766000000002, LandIdempotencyExpiry1768000000020, PartitionLand1769000000002],
  references: { Commune: 'administrative-units', Resident: 'population', Enterprise: 'enterprise' },
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
