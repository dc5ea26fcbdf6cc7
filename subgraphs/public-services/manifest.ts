import { join } from 'node:path';
import type { SubgraphManifest } from '../../shared/subgraph/manifest';
import { DateTimeScalar, DossierNumberScalar } from './numbers';
import { evaluationOpenData } from './openData';
import type { Loaders } from './loaders';

/** Dịch vụ công — administrative procedures, dossiers and the Decision 766 evaluation of the units that receive them. */
export const publicServices: SubgraphManifest<Loaders> = {
  name: 'public-services',
  description:
    'Dịch vụ công — administrative procedures, the dossiers of the one-stop systems, feedback, and the Decision 766 evaluation of the units that receive them',
  schema: 'public_services',
  entrypoint: join(__dirname, 'index.ts'),
  port: 4005,
  /**
   * The procedure catalogue and the departments change by decision, and their import invalidates
   * them: a day. Dossiers move several times a day and their officers watch them: a minute.
   */
  entityTypes: { Procedure: 86_400, Department: 86_400, Dossier: 60 },
  references: { Commune: 'administrative-units', Resident: 'population', Enterprise: 'enterprise' },
  scalars: { DateTime: DateTimeScalar, DossierNumber: DossierNumberScalar },
  openData: [evaluationOpenData],
  // Required on first use, not imported: a process that does not host this subgraph never loads its code.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  load: () => (require('./subgraph') as typeof import('./subgraph')).publicServices,
};
