import { ApolloGateway, type GraphQLDataSource } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControl } from '@apollo/server/plugin/cacheControl';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLScalarType, GraphQLSchema } from 'graphql';
import type { DataSource } from 'typeorm';
import type { LivePublisher } from '../shared/live';
import type { AuditLog } from '../shared/audit';
import { disabledEntityCaching, type EntityCaching } from '../shared/cache/entityCache';
import { maskError } from '../shared/graphql/errors';
import type { InternalKeys } from '../shared/auth/internalToken';
import type { Logger } from '../shared/observability/logger';
import type { ServiceMetrics } from '../shared/observability/metrics';
import { createReferences } from '../shared/subgraph/references';
import { scalarImplementations, type SubgraphModule } from '../shared/subgraph';
import { SHARED_SCALARS } from '../shared/graphql/scalars';
import { inputDoorPlugin, introspectionPolicy, responseHeadersPlugin } from './door';
import type { GatewayContext } from './context';
import { createAuthorization, withImplementedSecurityFeatures } from './authorization';
import { EmbeddedDataSource } from './embedded';
import { hardenedApolloOptions, hardenFormatError, type QueryLimits } from './hardening';
import { SignedDataSource } from './remote';
import { DEFAULT_SUBGRAPH_TIMEOUT_MS, GuardedDataSource } from './subgraphFetch';
import { installResultShaping } from './resultShaping';
import { textInputPlugin } from './textInput';
import { trustedDocumentsPlugin, type TrustedDocuments } from './trustedDocuments';
import type { ResponseCache } from './responseCache';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';

/**
 * How the gateway reaches its subgraphs: in its own process (identity handed over in-process), or
 * over HTTP (identity signed with the internal key).
 */
export type SubgraphTransport =
  | {
      kind: 'embedded';
      subgraphs: readonly SubgraphModule[];
      db: DataSource;
      auditLog: AuditLog;
      /** The process's entity cache, read by every subgraph's loaders; none (every read from the database) when omitted. */
      cache?: EntityCaching;
      /** Where the subgraphs' writes publish their live events. */
      live?: LivePublisher;
    }
  | { kind: 'remote'; urls: Record<string, string>; keys: InternalKeys };

export interface GatewayOptions {
  supergraphSdl: string;
  transport: SubgraphTransport;
  log: Logger;
  /** Schema introspection (on in development; the explorer needs it). */
  introspection?: boolean;
  /** "Did you mean …?" in error messages; follows `introspection` unless given. */
  fieldSuggestions?: boolean;
  /** Overrides of the query limits of hardening.ts (tests). */
  limits?: Partial<QueryLimits>;
  /** Stores cacheable responses (hits are answered earlier, by its preflight in the HTTP layer). */
  responseCache?: ResponseCache;
  /** Where automatic persisted queries are kept (Redis or the in-process LRU); Apollo's own LRU without it. */
  persistedQueries?: KeyValueCache<string>;
  /**
   * How long to wait for each subgraph fetch (default {@link DEFAULT_SUBGRAPH_TIMEOUT_MS}): past it,
   * the response goes out without that subgraph's fields and with a `SUBGRAPH_UNAVAILABLE` error.
   */
  subgraphTimeoutMs?: number;
  /** This process's metrics: requests by operation and outcome, subgraph fetches. */
  metrics?: ServiceMetrics;
  /**
   * The implementations of the supergraph's custom scalars, by name, enforced on arguments and
   * variables before planning (door.ts). Default: the registry's (`scalarImplementations`) for
   * embedded subgraphs, the shared ones for remote subgraphs (main.ts passes the registry's).
   */
  scalars?: ReadonlyMap<string, GraphQLScalarType>;
  /** Trusted documents (trustedDocuments.ts): enforced in production, off otherwise; off when omitted. */
  trustedDocuments?: TrustedDocuments;
  /** Called with each schema the gateway loads (the first, then every reload): the live subscriptions follow it. */
  onSchema?: (schema: { apiSchema: GraphQLSchema; coreSupergraphSdl: string }) => void;
}

/**
 * The embedded subgraphs of one gateway by name: each one's existence checks (references.ts) are
 * answered in-process by the subgraph that owns the type.
 */
type EmbeddedSources = Map<string, EmbeddedDataSource>;

function dataSourceFor(
  transport: SubgraphTransport,
  name: string,
  log: Logger,
  embedded: EmbeddedSources,
  timeoutMs: number,
): GraphQLDataSource<GatewayContext> {
  if (transport.kind === 'remote') {
    const url = transport.urls[name];
    if (!url) throw new Error(`No URL configured for subgraph "${name}"`);
    return new SignedDataSource(name, url, transport.keys, timeoutMs);
  }
  const module = transport.subgraphs.find((s) => s.name === name);
  if (!module) throw new Error(`Supergraph names subgraph "${name}", which is not in the registry`);
  const references = createReferences(module.references ?? {}, async (service, query, variables) => {
    const owner = embedded.get(service);
    if (!owner) throw new Error(`Subgraph "${service}" is not part of this gateway`);
    return owner.answerService(module.name, query, variables);
  });
  const source = new EmbeddedDataSource(
    module,
    transport.db,
    transport.auditLog,
    log,
    transport.cache ?? disabledEntityCaching(),
    references,
    transport.live,
  );
  embedded.set(name, source);
  return source;
}

/**
 * The federated gateway as an Apollo Server, with no side effects: the caller starts it and serves
 * it (index.ts), or executes operations on it directly (tests). Stateless, so any number can run
 * behind a load balancer.
 */
export function createGatewayServer(options: GatewayOptions): ApolloServer<GatewayContext> {
  // Apollo's result shaping, the same results at a fraction of the CPU (resultShaping.ts).
  installResultShaping();
  const embedded: EmbeddedSources = new Map();
  const timeoutMs = options.subgraphTimeoutMs ?? DEFAULT_SUBGRAPH_TIMEOUT_MS;
  const gateway = new ApolloGateway({
    // The authorization directives are enforced by the plugin below, which reads options.supergraphSdl.
    supergraphSdl: withImplementedSecurityFeatures(options.supergraphSdl),
    buildService: ({ name }) =>
      new GuardedDataSource(name, dataSourceFor(options.transport, name, options.log, embedded, timeoutMs), {
        timeoutMs,
        log: options.log,
        metrics: options.metrics,
      }),
    logger: options.log,
  });
  if (options.onSchema) gateway.onSchemaLoadOrUpdate(options.onSchema);
  // Federation's authorization directives, enforced before planning (authorization.ts).
  const authorization = createAuthorization({
    supergraphSdl: options.supergraphSdl,
    log: options.log,
    ...(options.transport.kind === 'embedded' ? { auditLog: options.transport.auditLog } : {}),
  });
  gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => authorization.schemaChanged(coreSupergraphSdl));
  const introspection = options.introspection ?? true;
  const scalars =
    options.scalars ??
    (options.transport.kind === 'embedded'
      ? scalarImplementations(options.transport.subgraphs)
      : new Map<string, GraphQLScalarType>(Object.entries(SHARED_SCALARS)));
  // Limits, CSRF prevention, no batching, request ids, no suggestions outside development: hardening.ts.
  const { checks: hardeningChecks, ...hardening } = hardenedApolloOptions({
    log: options.log,
    limits: options.limits,
    fieldSuggestions: options.fieldSuggestions ?? introspection,
  });
  return new ApolloServer<GatewayContext>({
    gateway,
    // Apollo's all-or-nothing switch stays on; door.ts's rule refuses `__schema` and all of `__type`
    // but its name when introspection is off (GraphQL over HTTP's own probes ask `__type { name }`).
    introspection: true,
    // Shutdown is shared/http/gracefulShutdown.ts's: Apollo's own signal handler would stop the server under
    // in-flight requests and re-raise the signal, killing the process before they finish.
    stopOnTerminationSignals: false,
    ...hardening,
    validationRules: [...hardening.validationRules, ...(introspection ? [] : [introspectionPolicy])],
    plugins: [
      // First: every later plugin sees the published document, never text the client sent.
      ...(options.trustedDocuments ? [trustedDocumentsPlugin(options.trustedDocuments)] : []),
      // No landing page in any mode: Apollo's loads scripts and fonts from its CDN and names its
      // version; browsers are sent to the hub's own explorer by the HTTP layer (door.ts, browserDoor).
      ApolloServerPluginLandingPageDisabled(),
      // Installed here rather than by Apollo (which would add it last) so that the headers plugin,
      // after it, sees and completes its Cache-Control.
      ApolloServerPluginCacheControl(),
      responseHeadersPlugin,
      // Authorization, then the input door, the text check and the page-size cost: a caller who may
      // never have the selection learns that first (401/403), not which of its arguments are malformed.
      checksInOrder(authorization.plugin, inputDoorPlugin({ scalars, log: options.log }), textInputPlugin, ...hardeningChecks),
      ...(options.metrics ? [options.metrics.plugin<GatewayContext>()] : []),
      ...hardening.plugins,
      ...(options.responseCache ? [options.responseCache.plugin] : []),
    ],
    // A hash that does not match its query is refused by Apollo (PERSISTED_QUERY_HASH mismatch).
    ...(options.persistedQueries ? { persistedQueries: { cache: options.persistedQueries, ttl: 86_400 } } : {}),
    formatError: hardenFormatError(maskError((error) => options.log.error({ err: error }, 'request failed'))),
  });
}

/**
 * Plugins whose only hook is `didResolveOperation` (checks that refuse by throwing), run one after
 * the other: Apollo runs the hooks of separate plugins concurrently, so the first to throw would
 * otherwise win, whichever it is.
 */
function checksInOrder(...checks: ApolloServerPlugin<GatewayContext>[]): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart(requestContext) {
      const listeners = await Promise.all(checks.map((check) => check.requestDidStart?.(requestContext)));
      // Any other hook would be silently dropped here: a check that grows one must not be wrapped.
      const other = listeners.flatMap((listener) => Object.keys(listener ?? {})).find((hook) => hook !== 'didResolveOperation');
      if (other) throw new Error(`checksInOrder runs didResolveOperation only, not ${other}`);
      return {
        async didResolveOperation(context) {
          for (const listener of listeners) await listener?.didResolveOperation?.(context);
        },
      };
    },
  };
}
