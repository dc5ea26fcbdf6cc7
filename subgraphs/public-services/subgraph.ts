import { join } from 'node:path';
import { subgraphTypeDefs, type SubgraphModule } from '../../shared/subgraph';
import { entities } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { CreatePublicServices1767000000005 } from './migrations/1767000000005-CreatePublicServices';
import { ProvinceCounters1767100000005 } from './migrations/1767100000005-ProvinceCounters';
import { ProvinceUnitsIndex1767200000005 } from './migrations/1767200000005-ProvinceUnitsIndex';
import { DueNotices1767300000005 } from './migrations/1767300000005-DueNotices';
import { PublicServicesIdempotencyExpiry1768000000050 } from './migrations/1768000000050-IdempotencyExpiry';
import { PartitionHistory1769000000005 } from './migrations/1769000000005-PartitionHistory';
import { startDeadlineNotices } from './deadlines';
import { resolvers } from './resolvers';
import { subjectsOf } from './subjects';
import { evaluationOpenData } from './openData';
import { insertWorldDossiers, seedCatalogue, type WorldDossierRows } from './seed';
import { hasRows } from '../../shared/db';

/** Dịch vụ công — administrative procedures, dossiers and the Decision 766 evaluation of the units that receive them. */
export const publicServices: SubgraphModule<Loaders> = {
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
  typeDefs: subgraphTypeDefs(__dirname),
  resolvers,
  entities,
  migrations: [
    CreatePublicServices1767000000005,
    ProvinceCounters1767100000005,
    ProvinceUnitsIndex1767200000005,
    DueNotices1767300000005,
    PublicServicesIdempotencyExpiry1768000000050,
    PartitionHistory1769000000005,
  ],
  references: { Commune: 'administrative-units', Resident: 'population', Enterprise: 'enterprise' },
  createLoaders,
  subjectsOf,
  openData: [evaluationOpenData],
  /** Announces dossiers falling due today and just overdue on their commune's channel (deadlines.ts): once, whatever the replicas. */
  timers: ({ db, live, log, intervalMs }) => startDeadlineNotices({ db, live, log, ...(intervalMs ? { intervalMs } : {}) }),
  /** Re-imports the procedure catalogue and departments, then makes every cached copy unreachable. */
  seedReference: async (db, bus) => {
    await seedCatalogue(db);
    await bus?.invalidate(['Procedure', 'Department']);
  },
  /** Dossiers of the synthetic world's residents and enterprises (seed/README.md states the calibration). */
  seed: {
    insert: async (m, rows: WorldDossierRows) => ({ dossiers: await insertWorldDossiers(m, rows) }),
    seeded: (db) => hasRows(db, 'public_services.dossier'),
  },
};
