import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import type { DataSource } from 'typeorm';
import { maskError } from './errors';
import type { Logger } from './logger';
import { buildSchema, createContext, type SubgraphContext, type SubgraphModule } from './subgraph';

/**
 * One subgraph as its own GraphQL service (the shape it has behind the gateway in production).
 * No side effects: the caller starts and serves it.
 */
export function createSubgraphServer<L>(module: SubgraphModule<L>, log: Logger): ApolloServer<SubgraphContext<L>> {
  return new ApolloServer<SubgraphContext<L>>({
    schema: buildSchema(module),
    includeStacktraceInErrorResponses: false,
    // No Apollo Studio here: traces would only cost time.
    plugins: [ApolloServerPluginInlineTraceDisabled()],
    formatError: maskError((error) => log.error({ err: error }, 'resolver failed')),
  });
}

/** The context factory for a subgraph server. */
export function subgraphContext<L>(module: SubgraphModule<L>, db: DataSource): () => Promise<SubgraphContext<L>> {
  return async () => createContext(module, db);
}
