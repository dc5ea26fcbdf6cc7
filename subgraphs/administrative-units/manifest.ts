import { join } from 'node:path';
import type { SubgraphManifest } from '../../shared/subgraph/manifest';
import type { Loaders } from './loaders';

/** Đơn vị hành chính — the official administrative units, today's and pre-reform. */
export const administrativeUnits: SubgraphManifest<Loaders> = {
  name: 'administrative-units',
  description:
    "Đơn vị hành chính — today's 34 provinces and 3,321 communes (with the changes since 2025-07-01 and their effective dates), and the pre-reform 63 provinces / 696 districts / 10,047 communes with their successors",
  schema: 'administrative_units',
  entrypoint: join(__dirname, 'index.ts'),
  port: 4001,
  /** Official units change by decree, and their import invalidates them: kept a day. */
  entityTypes: { Province: 86_400, Commune: 86_400, LegacyUnit: 86_400 },
  // Required on first use, not imported: a process that does not host this subgraph never loads its code.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  load: () => (require('./subgraph') as typeof import('./subgraph')).administrativeUnits,
};
