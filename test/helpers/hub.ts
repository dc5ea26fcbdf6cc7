import type { ApolloServer } from '@apollo/server';
import type { DataSource } from 'typeorm';
import { createSeededDatabase, dropDatabase } from './postgres';
import { openHubDatabase } from '../../hub/database';
import { createGatewayServer } from '../../gateway/server';
import { readCommittedSupergraph } from '../../gateway/supergraph';
import { newPersonalReads, type GatewayContext } from '../../gateway/context';
import { createAuditLog } from '../../shared/audit';
import { createDataSource, openPglite, StatementCounter } from '../../shared/db';
import type { EntityCaching } from '../../shared/cache/entityCache';
import type { Identity } from '../../shared/auth/identity';
import { createLogger, type Logger } from '../../shared/observability/logger';
import { loadSubgraphs } from '../../subgraphs';
import { testCaching } from './cache';
import { seedTestData } from './dataset';
import { AS, meta } from './identities';

/** The registered subgraphs' implementations (the registry holds their manifests). */
const subgraphs = loadSubgraphs();

export interface GraphQLResult {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: readonly (string | number)[]; extensions?: Record<string, unknown> }[];
}

/** The test run's database (see globalSetup), with a statement counter and an entity cache. */
export interface TestDatabase {
  db: DataSource;
  counter: StatementCounter;
  kind: 'postgres' | 'pglite';
  /** The entity cache the hub's subgraphs read through: in memory with a prefix of its own, unless given. */
  cache: EntityCaching;
  close(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** A PostgreSQL database of the suite's own (see {@link openWritableTestHub}) instead of the run's shared one. */
  url?: string;
  embedded?: boolean;
  /** The entity cache (default: an enabled in-memory one of this database's own; see helpers/cache.ts). */
  cache?: EntityCaching;
  /** Keep the text of counted statements (`counter.statements`), to tell reads from audit writes. */
  keepStatements?: boolean;
}

/** PostgreSQL when the run has a server, else a fresh in-memory PGlite seeded the same way. */
export async function openTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const counter = new StatementCounter(options.keepStatements ?? false);
  const cache = options.cache ?? testCaching();
  const url = options.url ?? process.env.LT_TEST_DATABASE_URL;
  if (url && !options.embedded) {
    const db = await createDataSource({
      target: { kind: 'postgres', url },
      entities: subgraphs.flatMap((s) => s.entities),
      logger: counter,
    });
    await db.initialize();
    return { db, counter, kind: 'postgres', cache, close: () => db.destroy() };
  }
  const pglite = await openPglite();
  const db = await openHubDatabase({ kind: 'pglite', pglite }, { logger: counter, bus: cache.bus });
  await seedTestData(db);
  return {
    db,
    counter,
    kind: 'pglite',
    cache,
    close: async () => {
      await db.destroy();
      await pglite.close();
    },
  };
}

/** A gateway running every subgraph in-process over the test database. */
export interface TestHub extends TestDatabase {
  gateway: ApolloServer<GatewayContext>;
  /** Runs an operation as `as` (default: a central officer with a stated purpose). */
  run(
    query: string,
    variables?: Record<string, unknown>,
    as?: { identity?: Identity; purpose?: string | null; requestId?: string },
  ): Promise<GraphQLResult>;
}

export async function openTestHub(options: TestDatabaseOptions & { log?: Logger } = {}): Promise<TestHub> {
  const database = await openTestDatabase(options);
  const gateway = createGatewayServer({
    supergraphSdl: readCommittedSupergraph(),
    transport: { kind: 'embedded', subgraphs, db: database.db, auditLog: createAuditLog(database.db), cache: database.cache },
    log: options.log ?? createLogger('test-gateway', 'silent'),
  });
  await gateway.start();
  return {
    ...database,
    gateway,
    run: async (query, variables, as = {}) => {
      const contextValue: GatewayContext = {
        identity: as.identity ?? AS.central,
        meta: meta(as.purpose === undefined ? undefined : as.purpose, as.requestId),
        personal: newPersonalReads(),
      };
      const response = await gateway.executeOperation({ query, ...(variables ? { variables } : {}) }, { contextValue });
      if (response.body.kind !== 'single') throw new Error('unexpected incremental response');
      return response.body.singleResult as GraphQLResult;
    },
    close: async () => {
      await gateway.stop();
      await database.close();
    },
  };
}

/**
 * A hub over a database of the suite's own, for suites that write: on PostgreSQL a copy of the run's
 * seeded database (dropped on close), so the suites that only read the run's database — and those
 * running beside this one — never see the changes; without PostgreSQL, a fresh PGlite as usual.
 */
export async function openWritableTestHub(
  options: Omit<TestDatabaseOptions, 'url' | 'embedded'> & { log?: Logger } = {},
): Promise<TestHub & { url: string | null }> {
  if (!process.env.LT_TEST_DATABASE_URL) return { ...(await openTestHub(options)), url: null };
  const url = await createSeededDatabase('writes');
  const hub = await openTestHub({ ...options, url });
  return {
    ...hub,
    url,
    close: async () => {
      await hub.close();
      await dropDatabase(url);
    },
  };
}
