import { join } from 'node:path';
import type { SubgraphManifest } from '../../shared/subgraph/manifest';
import type { Loaders } from './loaders';

/** Doanh nghiệp — the national enterprise register. */
export const enterprise: SubgraphManifest<Loaders> = {
  name: 'enterprise',
  description: 'Doanh nghiệp — the national enterprise register',
  schema: 'enterprise',
  entrypoint: join(__dirname, 'index.ts'),
  port: 4004,
  /** The register changes through procedures that take days: 15 minutes. */
  entityTypes: { Enterprise: 900 },
  references: { Commune: 'administrative-units', Resident: 'population' },
  // Required on first use, not imported: a process that does not host this subgraph never loads its code.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  load: () => (require('./subgraph') as typeof import('./subgraph')).enterprise,
};
