import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { parseCacheControlHeader } from '@apollo/gateway/dist/datasources/parseCacheControlHeader';
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import type { ApolloServer } from '@apollo/server';
import type { ReadRouting } from '../shared/db/replica';
import type { AuditLog } from '../shared/audit';
import type { EntityCaching } from '../shared/cache/entityCache';
import { serviceIdentity, type Identity, type RequestMeta } from '../shared/auth/identity';
import { NO_LIVE, type LivePublisher } from '../shared/live';
import type { Logger } from '../shared/observability/logger';
import { NO_REFERENCES, type ExecutionResult, type References } from '../shared/subgraph/references';
import { createSubgraphServer } from '../shared/subgraph/server';
import { createContext, type SubgraphContext, type SubgraphModule } from '../shared/subgraph';
import type { GatewayContext } from './context';

/**
 * A cache hint from a subgraph's Cache-Control header, read with the gateway's own parser and the
 * rules RemoteGraphQLDataSource applies to it: no `max-age` means maxAge 0 (uncacheable).
 */
export function cacheHint(header: string | undefined): { maxAge: number; scope?: 'PUBLIC' | 'PRIVATE' } {
  const parsed = parseCacheControlHeader(header);
  const maxAge = parsed['max-age'];
  const scope = parsed['private'] === true ? 'PRIVATE' : parsed['public'] === true ? 'PUBLIC' : undefined;
  return { maxAge: typeof maxAge === 'string' && /^[0-9]+$/.test(maxAge) ? Number(maxAge) : 0, ...(scope ? { scope } : {}) };
}

/**
 * Runs a subgraph inside the gateway's process (the embedded default), exactly as its own server
 * would: the same Apollo Server with the same plugins (personal-data policy, audit, error
 * masking), a fresh context and loaders for every fetch, and the caller's identity handed over
 * in-process (no token needed: nothing outside the process can reach it).
 */
export class EmbeddedDataSource implements GraphQLDataSource<GatewayContext> {
  private readonly server: ApolloServer<SubgraphContext<unknown>>;
  private started: Promise<void> | null = null;

  constructor(
    private readonly module: SubgraphModule,
    private readonly reads: ReadRouting,
    auditLog: AuditLog,
    log: Logger,
    private readonly cache: EntityCaching,
    private readonly references: References = NO_REFERENCES,
    private readonly live: LivePublisher = NO_LIVE,
  ) {
    this.server = createSubgraphServer(module, auditLog, log.child({ subgraph: module.name }));
  }

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): ReturnType<GraphQLDataSource['process']> {
    const { request, context } = options;
    // Every fetch of a mutation's plan reads from the primary: the fields fetched after the write must show it.
    const mutation =
      options.kind === GraphQLDataSourceRequestKind.INCOMING_OPERATION &&
      options.incomingRequestContext.operation?.operation === 'mutation';
    const { response, contextValue } = await this.execute(context.identity, context.meta, request, mutation);
    // What a subgraph over HTTP reports in its response, handed over directly here.
    for (const s of contextValue.audit.subjects) context.personal.subjects.add(s);
    for (const f of contextValue.audit.fields) context.personal.fields.add(f);
    if (contextValue.audit.denied.length > 0) context.personal.denied = true;
    // The subgraph's cache hint, as RemoteGraphQLDataSource reads it from the Cache-Control header:
    // no hint (no header) makes the whole response uncacheable.
    if (options.kind === GraphQLDataSourceRequestKind.INCOMING_OPERATION) {
      const policy = options.incomingRequestContext.overallCachePolicy;
      if (policy && 'restrict' in policy) policy.restrict(cacheHint(response.http.headers.get('cache-control')));
    }
    const { data, errors } = response.body.singleResult;
    return { ...(data !== undefined ? { data: data as Record<string, unknown> | null } : {}), ...(errors ? { errors } : {}) };
  }

  /** Another subgraph's existence check (references.ts), answered as the SERVICE identity of `caller`. */
  async answerService(caller: string, query: string, variables: Record<string, unknown>): Promise<ExecutionResult> {
    const { response } = await this.execute(
      serviceIdentity(caller),
      { requestId: `service:${caller}`, purpose: null },
      { query, variables },
      true,
    );
    return response.body.kind === 'single' ? (response.body.singleResult as ExecutionResult) : { errors: [{ message: 'incremental' }] };
  }

  private async execute(
    identity: Identity,
    meta: RequestMeta,
    request: { query?: string; variables?: Record<string, unknown>; operationName?: string },
    primary: boolean,
  ) {
    this.started ??= this.server.start();
    await this.started;
    const db = this.reads.forRequest({ primary });
    const contextValue = createContext(this.module, db, identity, meta, this.cache, this.references, this.live);
    const response = await this.server.executeOperation(
      {
        query: request.query ?? '',
        variables: request.variables ?? {},
        ...(request.operationName ? { operationName: request.operationName } : {}),
      },
      { contextValue },
    );
    if (response.body.kind !== 'single') throw new Error('Incremental delivery is not supported between gateway and subgraphs');
    return { response: response as typeof response & { body: { kind: 'single' } }, contextValue };
  }

  async stop(): Promise<void> {
    if (this.started) await this.server.stop();
  }
}
