import { join } from 'node:path';
import type { SubgraphManifest } from '../../shared/subgraph/manifest';
import { LandUseCodeScalar } from '../../shared/graphql/scalars';
import type { Loaders } from './loaders';

/** Đất đai — land parcels and the holders of their land-use rights. */
export const land: SubgraphManifest<Loaders> = {
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
  references: { Commune: 'administrative-units', Resident: 'population', Enterprise: 'enterprise' },
  /** Mã loại đất, checked at the gateway's door as here. */
  scalars: { LandUseCode: LandUseCodeScalar },
  // Required on first use, not imported: a process that does not host this subgraph never loads its code.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  load: () => (require('./subgraph') as typeof import('./subgraph')).land,
};
