import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import { bodyHash, IDENTITY_HEADER, signIdentity, type InternalKeys } from '../shared/auth/internalToken';
import { currentScope } from '../shared/observability/requestScope';
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import { READ_PRIMARY_HEADER } from '../shared/db/replica';
import { traceparent, TRACEPARENT_HEADER } from '../shared/observability/trace';
import type { GatewayContext } from './context';

/**
 * A subgraph over HTTP. Every fetch carries the caller's identity signed by this gateway for this
 * subgraph and this exact query: the subgraph trusts nothing else. It also carries the request's
 * id and W3C `traceparent` (the gateway's span as parent), and is aborted after `timeoutMs` so a
 * subgraph that hangs does not hold a socket (subgraphFetch.ts answers without it meanwhile).
 */
export class SignedDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    private readonly subgraph: string,
    url: string,
    private readonly keys: InternalKeys,
    timeoutMs?: number,
  ) {
    super({ url });
    if (timeoutMs !== undefined) {
      const fetcher = this.fetcher;
      this.fetcher = (input, init) => fetcher(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    }
  }

  override async willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    const { request, context, kind } = options;
    const incomingRequestContext = kind === GraphQLDataSourceRequestKind.INCOMING_OPERATION ? options.incomingRequestContext : undefined;
    const token = await signIdentity(
      this.keys,
      this.subgraph,
      context.identity,
      context.meta,
      bodyHash(request.query ?? '', request.variables),
    );
    request.http?.headers.set(IDENTITY_HEADER, token);
    request.http?.headers.set('x-request-id', context.meta.requestId);
    // The fetches after a mutation's write read from the primary (shared/db/replica.ts).
    if (incomingRequestContext?.operation?.operation === 'mutation') request.http?.headers.set(READ_PRIMARY_HEADER, '1');
    const trace = context.trace ?? currentScope()?.trace;
    if (trace) request.http?.headers.set(TRACEPARENT_HEADER, traceparent(trace));
  }

  /** Collects what the subgraph reports it read (for the response cache's audit of later hits) and changed (writes). */
  override didReceiveResponse({
    response,
    context,
  }: Parameters<NonNullable<RemoteGraphQLDataSource<GatewayContext>['didReceiveResponse']>>[0]) {
    const reported = response.extensions?.personalData as { subjects?: unknown; fields?: unknown; denied?: unknown } | undefined;
    if (reported) {
      for (const s of Array.isArray(reported.subjects) ? reported.subjects : [])
        if (typeof s === 'string') context.personal.subjects.add(s);
      for (const f of Array.isArray(reported.fields) ? reported.fields : []) if (typeof f === 'string') context.personal.fields.add(f);
      if (reported.denied === true) context.personal.denied = true;
    }
    const invalidated = response.extensions?.invalidated;
    if (Array.isArray(invalidated)) {
      for (const type of invalidated) if (typeof type === 'string') (context.changed ??= new Set()).add(type);
    }
    return response;
  }

  /**
   * A subgraph refusing a request (400 invalid, 401, 403) answers with GraphQL errors: pass on its
   * first error's message and code, never the subgraph's URL or raw response.
   */
  override async errorFromResponse(response: Parameters<RemoteGraphQLDataSource['errorFromResponse']>[0]): Promise<GraphQLError> {
    const body = await this.parseBody(response).catch(() => null);
    const first = (body as { errors?: { message?: unknown; extensions?: { code?: unknown } }[] } | null)?.errors?.[0];
    if (typeof first?.message === 'string' && typeof first.extensions?.code === 'string') {
      return new GraphQLError(first.message, { extensions: { code: first.extensions.code } });
    }
    return new GraphQLError(`Subgraph "${this.subgraph}" failed`, { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  }
}
