import { mkdirSync } from 'node:fs';
import type { DataSource, Logger as TypeOrmLogger } from 'typeorm';
import { createDataSource, migrate, openPglite, type DatabaseTarget } from '../shared/db';
import { auditMigrations } from '../shared/audit';
import type { InvalidationBus } from '../shared/cache';
import type { Config } from '../shared/config';
import { subgraphs } from '../subgraphs';

/**
 * The database target of a hub running its subgraphs in one process: the PostgreSQL server of
 * DATABASE_URL, or else the embedded PGlite kept in PGLITE_DIR.
 */
export async function databaseTarget(config: Config): Promise<DatabaseTarget> {
  if (config.DATABASE_URL) return { kind: 'postgres', url: config.DATABASE_URL };
  mkdirSync(config.PGLITE_DIR, { recursive: true });
  return { kind: 'pglite', pglite: await openPglite(config.PGLITE_DIR) };
}

/**
 * Migrates every subgraph's schema and the audit log's, opens one DataSource over all of them
 * (PGlite allows only one per instance) and loads the reference data (administrative units,
 * land-use types), invalidating what it re-imported on `bus` (the caches of every instance).
 */
export async function openHubDatabase(target: DatabaseTarget, logger?: TypeOrmLogger, bus?: InvalidationBus): Promise<DataSource> {
  await migrate(target, [...subgraphs, auditMigrations]);
  const db = await createDataSource({ target, entities: subgraphs.flatMap((s) => s.entities), ...(logger ? { logger } : {}) });
  await db.initialize();
  for (const s of subgraphs) if (s.seedReference) await s.seedReference(db, bus);
  return db;
}

/** True when no synthetic data was seeded yet. */
export async function needsSeed(db: DataSource): Promise<boolean> {
  const rows: { present: boolean }[] = await db.query(`SELECT EXISTS (SELECT 1 FROM population.resident) AS present`);
  return !rows[0]?.present;
}
