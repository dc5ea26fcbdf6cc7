import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { graphql, type GraphQLSchema } from 'graphql';
import type { DataSource } from 'typeorm';
import { maskError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { buildSchema, createContext, type SubgraphModule } from '../shared/subgraph';

/**
 * Runs a subgraph inside the gateway's process (the embedded default), exactly as its own server
 * would: a fresh context with fresh loaders for every fetch, and the same error masking.
 */
export class EmbeddedDataSource implements GraphQLDataSource {
  private readonly schema: GraphQLSchema;
  private readonly mask: ReturnType<typeof maskError>;

  constructor(
    private readonly module: SubgraphModule,
    private readonly db: DataSource,
    log: Logger,
  ) {
    this.schema = buildSchema(module);
    this.mask = maskError((error) => log.error({ err: error, subgraph: module.name }, 'resolver failed'));
  }

  async process({ request }: GraphQLDataSourceProcessOptions): ReturnType<GraphQLDataSource['process']> {
    const result = await graphql({
      schema: this.schema,
      source: request.query ?? '',
      variableValues: request.variables ?? null,
      operationName: request.operationName ?? null,
      contextValue: createContext(this.module, this.db),
    });
    return {
      ...(result.data !== undefined ? { data: result.data as Record<string, unknown> | null } : {}),
      ...(result.errors ? { errors: result.errors.map((e) => this.mask(e.toJSON(), e)) } : {}),
    };
  }
}
