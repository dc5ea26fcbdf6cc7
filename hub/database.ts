import { mkdirSync } from 'node:fs';
import type { DataSource, Logger as TypeOrmLogger } from 'typeorm';
import { createDataSource, openPglite, prepareSchemas, type DatabaseTarget } from '../shared/db';
import { auditMigrations } from '../shared/audit';
import { documentMigrations } from '../shared/documents';
import type { InvalidationBus } from '../shared/cache';
import type { Config } from '../shared/config';
import type { SubgraphModule } from '../shared/subgraph';
import { subgraphs as registry } from '../subgraphs';

/**
 * The database target of a hub running its subgraphs in one process: the PostgreSQL server of
 * DATABASE_URL, or else the embedded PGlite kept in PGLITE_DIR.
 */
export async function databaseTarget(config: Config): Promise<DatabaseTarget> {
  if (config.DATABASE_URL) return { kind: 'postgres', url: config.DATABASE_URL };
  mkdirSync(config.PGLITE_DIR, { recursive: true });
  return { kind: 'pglite', pglite: await openPglite(config.PGLITE_DIR) };
}

export interface OpenOptions {
  logger?: TypeOrmLogger;
  /** Where the reference data's imports announce what they changed (the caches of every instance). */
  bus?: InvalidationBus;
  /** The subgraphs to open (default: the registry). */
  subgraphs?: readonly SubgraphModule[];
  /**
   * Whether to load what each subgraph needs at first start (default true). The units import
   * turns it off: its dry run must write nothing, and it brings its own units.
   */
  seedReference?: boolean;
  /**
   * Whether this process may run the migrations (default true); when not, it only checks that none
   * is pending (production on PostgreSQL: the owner's job, `npm run cli -- migrate`).
   */
  mayMigrate?: boolean;
}

/**
 * Migrates every subgraph's schema, the audit log's and the trusted documents', opens one
 * DataSource over all of them (PGlite allows only one per instance) and, unless told not to, runs
 * what each subgraph needs at first start (its reference data: administrative units, land-use
 * types), invalidating what it re-imported on `bus`.
 */
export async function openHubDatabase(target: DatabaseTarget, options: OpenOptions = {}): Promise<DataSource> {
  const modules = options.subgraphs ?? registry;
  await prepareSchemas(target, [...modules, auditMigrations, documentMigrations], options.mayMigrate !== false);
  const db = await createDataSource({
    target,
    entities: modules.flatMap((s) => s.entities),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  await db.initialize();
  if (options.seedReference !== false) for (const s of modules) if (s.seedReference) await s.seedReference(db, options.bus);
  return db;
}

/**
 * Whether a serving process may migrate `target`: always the embedded PGlite (one process, one
 * user), PostgreSQL outside production only; in production the owner role migrates
 * (`npm run cli -- migrate --roles`) and serving roles could not.
 */
export const mayMigrateOnStart = (config: Pick<Config, 'NODE_ENV'>, target: DatabaseTarget): boolean =>
  target.kind === 'pglite' || config.NODE_ENV !== 'production';

/** True when a subgraph with synthetic data has none yet (the embedded default seeds it at first start). */
export async function needsSeed(db: DataSource, subgraphs: readonly SubgraphModule[] = registry): Promise<boolean> {
  for (const s of subgraphs) if (s.seed && !(await s.seed.seeded(db))) return true;
  return false;
}
