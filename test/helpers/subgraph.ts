import type { DataSource } from 'typeorm';
import { createAuditLog } from '../../shared/audit';
import type { EntityCaching } from '../../shared/cache/entityCache';
import type { Identity } from '../../shared/auth/identity';
import { createLogger } from '../../shared/observability/logger';
import { createSubgraphServer } from '../../shared/subgraph/server';
import { createContext, type SubgraphModule } from '../../shared/subgraph';
import { testCaching } from './cache';
import type { GraphQLResult } from './hub';
import { AS, meta } from './identities';

/**
 * Runs operations against one subgraph's own server, with a fresh context per operation, its
 * loaders reading through `cache` (default: an enabled in-memory cache of this client's own).
 */
export async function subgraphClient(module: SubgraphModule, db: DataSource, cache: EntityCaching = testCaching()) {
  const server = createSubgraphServer(module, createAuditLog(db), createLogger(module.name, 'silent'));
  const context = (identity: Identity = AS.central, purpose?: string | null) => createContext(module, db, identity, meta(purpose), cache);
  await server.start();
  return {
    run: async (
      query: string,
      variables?: Record<string, unknown>,
      identity?: Identity,
      purpose?: string | null,
    ): Promise<GraphQLResult> => {
      const response = await server.executeOperation(
        { query, ...(variables ? { variables } : {}) },
        { contextValue: context(identity, purpose) },
      );
      if (response.body.kind !== 'single') throw new Error('unexpected incremental response');
      return response.body.singleResult as GraphQLResult;
    },
    /** `_entities` exactly as the gateway sends it. */
    entities: async (
      representations: Record<string, unknown>[],
      selection: string,
      identity?: Identity,
      purpose?: string | null,
    ): Promise<GraphQLResult> => {
      const response = await server.executeOperation(
        {
          query: `query ($representations: [_Any!]!) { _entities(representations: $representations) { ${selection} } }`,
          variables: { representations },
        },
        { contextValue: context(identity, purpose) },
      );
      if (response.body.kind !== 'single') throw new Error('unexpected incremental response');
      return response.body.singleResult as GraphQLResult;
    },
    cache,
    stop: () => server.stop(),
  };
}
