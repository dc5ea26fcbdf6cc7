import type { DataSource } from 'typeorm';
import type { DatabaseTarget } from '../shared/db';
import type { InvalidationBus } from '../shared/cache';
import type { Config } from '../shared/config';
import type { Logger } from '../shared/observability/logger';
import type { SubgraphModule } from '../shared/subgraph';
import { subgraphs as registry } from '../subgraphs';
import { seededEntityTypes } from './config';
import { databaseTarget, mayMigrateOnStart, needsSeed, openHubDatabase } from './database';
import { seedSynthetic } from './seed';

export { entityTtls, entityTypes, loadHubConfig, seededEntityTypes } from './config';
export { databaseTarget, mayMigrateOnStart, needsSeed, openHubDatabase } from './database';
export { demoTokens } from './demo';

/** The subgraphs a hub serves: `list` when given (a test adds one), else the registry. */
export function hubSubgraphs(list?: readonly SubgraphModule[]): readonly SubgraphModule[] {
  return list ?? registry;
}

/** Every subgraph in one process on one database: what the gateway's embedded mode serves. */
export interface EmbeddedHub {
  subgraphs: readonly SubgraphModule[];
  db: DataSource;
  target: DatabaseTarget;
  /** Closes the database (and the embedded PGlite). */
  close(): Promise<void>;
}

/**
 * The composition root of the embedded default: opens DATABASE_URL or the PGlite in PGLITE_DIR,
 * migrates every registered subgraph, loads their reference data, and on first start seeds the
 * synthetic world (SEED_RESIDENTS, SEED) then makes every instance sharing `bus` drop what it had
 * cached of the seeded types.
 */
export async function openEmbeddedHub(
  config: Config,
  options: { log: Logger; bus?: InvalidationBus; subgraphs?: readonly SubgraphModule[] },
): Promise<EmbeddedHub> {
  const subgraphs = options.subgraphs ?? registry;
  const { log } = options;
  const target = await databaseTarget(config);
  log.info({ database: target.kind === 'pglite' ? `PGlite in ${config.PGLITE_DIR}` : 'PostgreSQL (DATABASE_URL)' }, 'opening database');
  const db = await openHubDatabase(target, {
    subgraphs,
    mayMigrate: mayMigrateOnStart(config, target),
    ...(options.bus ? { bus: options.bus } : {}),
  });
  if (await needsSeed(db, subgraphs)) {
    log.info({ residents: config.SEED_RESIDENTS, seed: config.SEED }, 'first start: seeding synthetic data');
    let lastLogged = 0;
    const counts = await seedSynthetic(db, {
      residents: config.SEED_RESIDENTS,
      seed: config.SEED,
      subgraphs,
      onProgress: (done, total) => {
        if (done - lastLogged >= total / 10 || done === total) {
          lastLogged = done;
          log.info({ done, total }, 'seeding');
        }
      },
    });
    log.info(counts, 'seeded');
    // Other processes sharing this Redis must not keep serving what they cached before the seed.
    await options.bus?.invalidate(seededEntityTypes(subgraphs));
  }
  return {
    subgraphs,
    db,
    target,
    close: async () => {
      await db.destroy();
      if (target.kind === 'pglite') await target.pglite.close();
    },
  };
}
