import 'reflect-metadata';
import { DataSource, type Logger, type MixedList, type EntitySchema } from 'typeorm';
import { PGlite, type Extension } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';

// PGlite's type map points CommonJS callers of contrib/* at ESM typings, though it ships a CommonJS
// build of them; require them directly with the package's own Extension type.
/* eslint-disable @typescript-eslint/no-require-imports */
const { pg_trgm } = require('@electric-sql/pglite/contrib/pg_trgm') as { pg_trgm: Extension };
const { unaccent } = require('@electric-sql/pglite/contrib/unaccent') as { unaccent: Extension };
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * Where a subgraph's tables live: a PostgreSQL server (production, CI) or an in-process PGlite
 * (the embedded default). The same entities, migrations and SQL run on both.
 */
export type DatabaseTarget = { kind: 'postgres'; url: string; poolSize?: number } | { kind: 'pglite'; pglite: PGlite };

/**
 * Counts every SQL statement the DataSource sends. Tests use it to prove that the number of
 * statements of a request does not grow with its page size; the bench reports it.
 */
export class StatementCounter implements Logger {
  count = 0;
  readonly statements: string[] = [];
  constructor(private readonly keep = false) {}
  reset(): void {
    this.count = 0;
    this.statements.length = 0;
  }
  logQuery(query: string): void {
    this.count += 1;
    if (this.keep) this.statements.push(query);
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

/**
 * Opens an embedded PostgreSQL (PGlite) with the contrib extensions our migrations use; they can
 * only be loaded at creation. `dataDir` undefined keeps everything in memory.
 */
export async function openPglite(dataDir?: string): Promise<PGlite> {
  return PGlite.create({ ...(dataDir ? { dataDir } : {}), extensions: { pg_trgm, unaccent } });
}

export interface DataSourceOptions {
  target: DatabaseTarget;
  entities: MixedList<Function | string | EntitySchema>;
  /** Default schema; also where the migrations table lives. */
  schema?: string;
  migrations?: MixedList<Function | string>;
  logger?: Logger;
}

/**
 * Builds (does not connect) a TypeORM DataSource. `synchronize` is always off: tables come from
 * migrations only. On PGlite the node-postgres adapter is a pool of one connection, so inside a
 * transaction every query must go through the transaction's EntityManager.
 */
export async function createDataSource(options: DataSourceOptions): Promise<DataSource> {
  const { target } = options;
  const extra =
    target.kind === 'postgres'
      ? // A server that does not answer fails a checkout in 5 s (DATABASE_UNAVAILABLE) instead of queueing requests without end.
        { max: target.poolSize ?? 10, application_name: 'lien-thong', statement_timeout: 30_000, connectionTimeoutMillis: 5_000 }
      : { ...createPgConfig(target.pglite) };
  return new DataSource({
    type: 'postgres',
    ...(target.kind === 'postgres' ? { url: target.url } : {}),
    ...(options.schema ? { schema: options.schema } : {}),
    extra,
    entities: options.entities,
    migrations: options.migrations ?? [],
    migrationsTableName: 'migrations',
    migrationsRun: false,
    synchronize: false,
    ...(options.logger ? { logger: options.logger } : { logging: false }),
  });
}

/** A subgraph's tables: its PostgreSQL schema and the migrations that build it. */
export interface MigrationSet {
  name: string;
  schema: string;
  migrations: Function[];
}

/**
 * Runs each subgraph's migrations into its own schema, with its own `migrations` table there, so
 * the subgraphs can be migrated together (embedded) or one by one (separate processes) alike.
 * Sequential on purpose: on PGlite all DataSources share one connection.
 */
export async function migrate(target: DatabaseTarget, sets: readonly MigrationSet[]): Promise<void> {
  for (const set of sets) {
    const ds = await createDataSource({ target, entities: [], schema: set.schema, migrations: set.migrations });
    await ds.initialize();
    try {
      await ds.query(`CREATE SCHEMA IF NOT EXISTS "${set.schema}"`);
      await ds.runMigrations({ transaction: 'each' });
    } finally {
      await ds.destroy();
    }
  }
}

/** True when `table` (schema-qualified, from code) holds at least one row. */
export async function hasRows(db: DataSource, table: string): Promise<boolean> {
  const rows: { present: boolean }[] = await db.query(`SELECT EXISTS (SELECT 1 FROM ${table}) AS present`);
  return rows[0]?.present === true;
}

/** The migrations of one schema not yet run. */
export interface PendingMigrations {
  schema: string;
  names: string[];
}

/** The name TypeORM records for a migration class: its `name` property, else the class name. */
function migrationName(migration: Function): string {
  const instance = new (migration as new () => { name?: string })();
  return instance.name ?? migration.name;
}

/**
 * The migrations of `sets` that `target` has not run yet, read with SELECTs only (no DDL, so a
 * role that may not create anything can ask): a serving process checks its schema is current
 * before it starts, and refuses to start otherwise when it may not migrate.
 */
export async function pendingMigrations(target: DatabaseTarget, sets: readonly MigrationSet[]): Promise<PendingMigrations[]> {
  const ds = await createDataSource({ target, entities: [] });
  await ds.initialize();
  try {
    const pending: PendingMigrations[] = [];
    for (const set of sets) {
      const [{ present }] = (await ds.query(`SELECT to_regclass($1) IS NOT NULL AS present`, [`"${set.schema}".migrations`])) as {
        present: boolean;
      }[] as [{ present: boolean }];
      const done = present
        ? new Set(((await ds.query(`SELECT name FROM "${set.schema}".migrations`)) as { name: string }[]).map((r) => r.name))
        : new Set();
      const names = set.migrations.map(migrationName).filter((name) => !done.has(name));
      if (names.length > 0) pending.push({ schema: set.schema, names });
    }
    return pending;
  } finally {
    await ds.destroy();
  }
}

/**
 * Makes sure `sets` are migrated before a process serves them: runs the migrations when it may
 * (`mayMigrate`: development, or the embedded PGlite), else only checks, and throws naming every
 * pending migration and the command that runs them (production: the owner role's job, see
 * roles.ts).
 */
export async function prepareSchemas(target: DatabaseTarget, sets: readonly MigrationSet[], mayMigrate: boolean): Promise<void> {
  if (mayMigrate) return migrate(target, sets);
  const pending = await pendingMigrations(target, sets);
  if (pending.length === 0) return;
  const list = pending.map((p) => `${p.schema}: ${p.names.join(', ')}`).join('; ');
  throw new Error(
    `The database is not migrated (${list}). Serving processes never migrate in production: ` +
      'run "npm run cli -- migrate --roles" with DATABASE_OWNER_URL (the owner role) first',
  );
}
