import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import type { AuditLog } from '../audit';
import { maskError } from '../graphql/errors';
import type { Logger } from '../observability/logger';
import { personalDataPlugin } from '../auth/personalData';
import { buildSchema, type SubgraphContext, type SubgraphModule } from './';
import { cacheControlPlugin } from './cacheControl';
import { pinPrimary } from '../db/replica';

/**
 * A mutation reads from the primary, before its write (what it validates against) and after it (its
 * payload must show the write): see shared/db/replica.ts.
 */
function primaryForMutations<C extends { db: SubgraphContext<unknown>['db'] }>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, contextValue }) {
          if (operation?.operation === 'mutation') pinPrimary(contextValue.db);
        },
      };
    },
  };
}

/**
 * Reports the entity types a request's writes changed in `extensions.invalidated`, so a gateway in
 * another process stops serving cached responses that hold them before it answers (without a
 * shared Redis it would never hear of the change otherwise).
 */
function changesPlugin<C extends { changed: Set<string> }>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          if (contextValue.changed.size === 0 || response.body.kind !== 'single') return;
          response.body.singleResult.extensions = { ...response.body.singleResult.extensions, invalidated: [...contextValue.changed] };
        },
      };
    },
  };
}

/**
 * One subgraph as a GraphQL service, the same in its own process and embedded in the gateway:
 * personal-data policy and audit plugin, masked errors. No side effects: the caller starts it.
 */
export function createSubgraphServer<L>(
  module: SubgraphModule<L>,
  auditLog: AuditLog,
  log: Logger,
  /** More plugins (a subgraph process's metrics). */
  plugins: ApolloServerPlugin<SubgraphContext<L>>[] = [],
): ApolloServer<SubgraphContext<L>> {
  const { schema, classification } = buildSchema(module);
  return new ApolloServer<SubgraphContext<L>>({
    schema,
    includeStacktraceInErrorResponses: false,
    // Shutdown is shared/http/gracefulShutdown.ts's (see gateway/server.ts): no signal handler of Apollo's own.
    stopOnTerminationSignals: false,
    // Subgraphs are reached by the gateway only; the gateway decides what clients may introspect.
    introspection: true,
    // No Apollo Studio here: traces would only cost time. Cache hints: cacheControl.ts computes Apollo's
    // without its hook on every field of every response.
    plugins: [
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      primaryForMutations<SubgraphContext<L>>(),
      cacheControlPlugin<SubgraphContext<L>>(),
      ...plugins,
      personalDataPlugin<SubgraphContext<L>>(module.name, classification, auditLog),
      changesPlugin<SubgraphContext<L>>(),
    ],
    formatError: maskError((error) => log.error({ err: error }, 'resolver failed')),
  });
}
