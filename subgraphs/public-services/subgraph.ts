import { publicServices as manifest } from './manifest';
import { subgraphTypeDefs, type SubgraphModule } from '../../shared/subgraph';
import { entities } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { CreatePublicServices1767000000005 } from './migrations/1767000000005-CreatePublicServices';
import { ProvinceCounters1767100000005 } from './migrations/1767100000005-ProvinceCounters';
import { ProvinceUnitsIndex1767200000005 } from './migrations/1767200000005-ProvinceUnitsIndex';
import { DueNotices1767300000005 } from './migrations/1767300000005-DueNotices';
import { PublicServicesIdempotencyExpiry1768000000050 } from './migrations/1768000000050-IdempotencyExpiry';
import { PartitionHistory1769000000005 } from './migrations/1769000000005-PartitionHistory';
import { DOSSIER_PERIOD_TABLES, PartitionDossiersByProvince1769100000005 } from './migrations/1769100000005-PartitionDossiersByProvince';
import { startDeadlineNotices } from './deadlines';
import { resolvers } from './resolvers';
import { subjectsOf } from './subjects';
import { insertWorldDossiers, seedCatalogue, type WorldDossierRows } from './seed';
import { hasRows } from '../../shared/db';

/** The implementation of the subgraph its manifest (manifest.ts) describes: loaded only by the processes that host it. */
export const publicServices: SubgraphModule<Loaders> = {
  ...manifest,
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
    PartitionDossiersByProvince1769100000005,
  ],
  /** A quarter's dossiers (split by province) and their history: detached and archived together. */
  periodPartitions: DOSSIER_PERIOD_TABLES,
  createLoaders,
  subjectsOf,
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
