import type { DataSource } from 'typeorm';
import { createLogger } from '../../shared/logger';
import { createSubgraphServer } from '../../shared/server';
import { createContext, type SubgraphModule } from '../../shared/subgraph';
import type { GraphQLResult } from './hub';

/** Runs operations against one subgraph's own server, with a fresh context per operation. */
export async function subgraphClient(module: SubgraphModule, db: DataSource) {
  const server = createSubgraphServer(module, createLogger(module.name, 'silent'));
  await server.start();
  return {
    run: async (query: string, variables?: Record<string, unknown>): Promise<GraphQLResult> => {
      const response = await server.executeOperation(
        { query, ...(variables ? { variables } : {}) },
        { contextValue: createContext(module, db) },
      );
      if (response.body.kind !== 'single') throw new Error('unexpected incremental response');
      return response.body.singleResult as GraphQLResult;
    },
    /** `_entities` exactly as the gateway sends it. */
    entities: async (representations: Record<string, unknown>[], selection: string): Promise<GraphQLResult> => {
      const response = await server.executeOperation(
        {
          query: `query ($representations: [_Any!]!) { _entities(representations: $representations) { ${selection} } }`,
          variables: { representations },
        },
        { contextValue: createContext(module, db) },
      );
      if (response.body.kind !== 'single') throw new Error('unexpected incremental response');
      return response.body.singleResult as GraphQLResult;
    },
    stop: () => server.stop(),
  };
}
