import type { ApolloServer } from '@apollo/server';
import type { DataSource } from 'typeorm';
import { openHubDatabase } from '../../gateway/hub';
import { createGatewayServer } from '../../gateway/server';
import { readCommittedSupergraph } from '../../gateway/supergraph';
import type { GatewayContext } from '../../gateway/context';
import { createAuditLog } from '../../shared/audit';
import { createDataSource, openPglite, StatementCounter } from '../../shared/db';
import type { Identity } from '../../shared/identity';
import { createLogger, type Logger } from '../../shared/logger';
import { subgraphs } from '../../subgraphs';
import { seedTestData } from './dataset';
import { AS, meta } from './identities';

export interface GraphQLResult {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: readonly (string | number)[]; extensions?: Record<string, unknown> }[];
}

/** The test run's database (see globalSetup), with a statement counter. */
export interface TestDatabase {
  db: DataSource;
  counter: StatementCounter;
  kind: 'postgres' | 'pglite';
  close(): Promise<void>;
}

/** PostgreSQL when the run has a server, else a fresh in-memory PGlite seeded the same way. */
export async function openTestDatabase(options: { embedded?: boolean } = {}): Promise<TestDatabase> {
  const counter = new StatementCounter();
  const url = process.env.LT_TEST_DATABASE_URL;
  if (url && !options.embedded) {
    const db = await createDataSource({
      target: { kind: 'postgres', url },
      entities: subgraphs.flatMap((s) => s.entities),
      logger: counter,
    });
    await db.initialize();
    return { db, counter, kind: 'postgres', close: () => db.destroy() };
  }
  const pglite = await openPglite();
  const db = await openHubDatabase({ kind: 'pglite', pglite }, counter);
  await seedTestData(db);
  return {
    db,
    counter,
    kind: 'pglite',
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

export async function openTestHub(options: { embedded?: boolean; log?: Logger } = {}): Promise<TestHub> {
  const database = await openTestDatabase(options);
  const gateway = createGatewayServer({
    supergraphSdl: readCommittedSupergraph(),
    transport: { kind: 'embedded', subgraphs, db: database.db, auditLog: createAuditLog(database.db) },
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
