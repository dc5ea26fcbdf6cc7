import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { ApolloServer } from '@apollo/server';
import type { DataSource } from 'typeorm';
import type { AuditLog } from '../shared/audit';
import type { Logger } from '../shared/logger';
import { createSubgraphServer } from '../shared/server';
import { createContext, type SubgraphContext, type SubgraphModule } from '../shared/subgraph';
import type { GatewayContext } from './context';

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
    private readonly db: DataSource,
    auditLog: AuditLog,
    log: Logger,
  ) {
    this.server = createSubgraphServer(module, auditLog, log.child({ subgraph: module.name }));
  }

  async process({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): ReturnType<GraphQLDataSource['process']> {
    this.started ??= this.server.start();
    await this.started;
    const response = await this.server.executeOperation(
      {
        query: request.query ?? '',
        variables: request.variables ?? {},
        ...(request.operationName ? { operationName: request.operationName } : {}),
      },
      { contextValue: createContext(this.module, this.db, context.identity, context.meta) },
    );
    if (response.body.kind !== 'single') throw new Error('Incremental delivery is not supported between gateway and subgraphs');
    const { data, errors } = response.body.singleResult;
    return { ...(data !== undefined ? { data: data as Record<string, unknown> | null } : {}), ...(errors ? { errors } : {}) };
  }

  async stop(): Promise<void> {
    if (this.started) await this.server.stop();
  }
}
