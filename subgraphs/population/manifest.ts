import { join } from 'node:path';
import type { SubgraphManifest } from '../../shared/subgraph/manifest';
import type { Loaders } from './loaders';

/** Dân cư — residents and households of the national population database. */
export const population: SubgraphManifest<Loaders> = {
  name: 'population',
  description: 'Dân cư — residents and households of the national population database',
  schema: 'population',
  entrypoint: join(__dirname, 'index.ts'),
  port: 4002,
  /** Personal data that changes the same day (residence, household): kept 5 minutes, no longer than useful. */
  entityTypes: { Resident: 300, Household: 300 },
  references: { Commune: 'administrative-units' },
  // Required on first use, not imported: a process that does not host this subgraph never loads its code.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  load: () => (require('./subgraph') as typeof import('./subgraph')).population,
};
