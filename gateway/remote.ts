import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { bodyHash, IDENTITY_HEADER, signIdentity, type InternalKeys } from '../shared/internalToken';
import type { GatewayContext } from './context';

/**
 * A subgraph over HTTP. Every fetch carries the caller's identity signed by this gateway for this
 * subgraph and this exact query: the subgraph trusts nothing else.
 */
export class SignedDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    private readonly subgraph: string,
    url: string,
    private readonly keys: InternalKeys,
  ) {
    super({ url });
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    const token = await signIdentity(
      this.keys,
      this.subgraph,
      context.identity,
      context.meta,
      bodyHash(request.query ?? '', request.variables),
    );
    request.http?.headers.set(IDENTITY_HEADER, token);
    request.http?.headers.set('x-request-id', context.meta.requestId);
  }
}
