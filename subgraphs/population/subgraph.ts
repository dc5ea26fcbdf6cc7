import { join } from 'node:path';
import { hasRows } from '../../shared/db';
import { subgraphTypeDefs, type SubgraphModule } from '../../shared/subgraph';
import { insertPopulation, type PopulationRows } from './seed';
import { entities } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { CreatePopulation1764000000001 } from './migrations/1764000000001-CreatePopulation';
import { PopulationWrites1766000000001 } from './migrations/1766000000001-PopulationWrites';
import { PopulationIdempotencyExpiry1768000000010 } from './migrations/1768000000010-IdempotencyExpiry';
import { PartitionPopulation1769000000001 } from './migrations/1769000000001-PartitionPopulation';
import { resolvers } from './resolvers';
import { subjectsOf } from './subjects';

/** Dân cư — residents and households of the national population database. */
export const population: SubgraphModule<Loaders> = {
  name: 'population',
  description: 'Dân cư — residents and households of the national population database',
  schema: 'population',
  entrypoint: join(__dirname, 'index.ts'),
  port: 4002,
  /** Personal data that changes the same day (residence, household): kept 5 minutes, no longer than useful. */
  entityTypes: { Resident: 300, Household: 300 },
  typeDefs: subgraphTypeDefs(__dirname),
  resolvers,
  entities,
  migrations: [
    CreatePopulation1764000000001,
    PopulationWrites1766000000001,
    PopulationIdempotencyExpiry1768000000010,
    PartitionPopulation1769000000001,
  ],
  references: { Commune: 'administrative-units' },
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
