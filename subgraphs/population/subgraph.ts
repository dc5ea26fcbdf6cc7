import { hasRows } from '../../shared/db';
import { population as manifest } from './manifest';
import { subgraphTypeDefs, type SubgraphModule } from '../../shared/subgraph';
import { insertPopulation, type PopulationRows } from './seed';
import { entities } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { CreatePopulation1764000000001 } from './migrations/1764000000001-CreatePopulation';
import { PopulationWrites1766000000001 } from './migrations/1766000000001-PopulationWrites';
import { PopulationIdempotencyExpiry1768000000010 } from './migrations/1768000000010-IdempotencyExpiry';
import { PartitionPopulation1769000000001 } from './migrations/1769000000001-PartitionPopulation';
import { CommuneProvinces1770000000001 } from './migrations/1770000000001-CommuneProvinces';
import { resolvers } from './resolvers';
import { subjectsOf } from './subjects';

/** The implementation of the subgraph its manifest (manifest.ts) describes: loaded only by the processes that host it. */
export const population: SubgraphModule<Loaders> = {
  ...manifest,
  typeDefs: subgraphTypeDefs(__dirname),
  resolvers,
  entities,
  migrations: [
    CreatePopulation1764000000001,
    PopulationWrites1766000000001,
    PopulationIdempotencyExpiry1768000000010,
    PartitionPopulation1769000000001,
    CommuneProvinces1770000000001,
  ],
  createLoaders,
  subjectsOf,
  seed: {
    insert: async (m, rows: PopulationRows) => ({ ...(await insertPopulation(m, rows)) }),
    seeded: async (db) => hasRows(db, 'population.resident'),
  },
  /** The first resident, as the citizen of the development tokens. */
  demoSubject: async (db) => {
    const rows: { citizen_id: string }[] = await db.query(`SELECT citizen_id FROM population.resident ORDER BY citizen_id LIMIT 1`);
    const citizenId = rows[0]?.citizen_id;
    return citizenId ? { label: `citizen ${citizenId}`, role: 'CITIZEN', sub: citizenId } : null;
  },
};
