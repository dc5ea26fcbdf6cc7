import type { DocumentNode, GraphQLSchema } from 'graphql';
import type { DataSource } from 'typeorm';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { MigrationSet } from './db';

/** What every resolver of a subgraph receives: its database and its per-request loaders. */
export interface SubgraphContext<L> {
  db: DataSource;
  loaders: L;
}

/**
 * The uniform contract of a subgraph: the gateway, the embedded mode, the tests and the
 * stand-alone entrypoint only ever use these members, so adding a subgraph means copying one.
 */
export interface SubgraphModule<L = unknown> extends MigrationSet {
  /** Service name in the supergraph, kebab-case (`administrative-units`). */
  name: string;
  /** PostgreSQL schema that holds this subgraph's tables, and nothing else's. */
  schema: string;
  typeDefs: DocumentNode;
  /** Resolver maps are checked against schema.graphql by the tests, not by the compiler. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each subgraph types its own context
  resolvers: GraphQLResolverMap<any>;
  entities: Function[];
  migrations: Function[];
  /** Fresh DataLoaders for one request: their memo must never outlive it. */
  createLoaders(db: DataSource): L;
  /** Loads this subgraph's reference data (idempotent); synthetic data comes from the CLI seeder. */
  seedReference?(db: DataSource): Promise<void>;
}

/** The executable federated schema of one subgraph. */
export function buildSchema(module: SubgraphModule): GraphQLSchema {
  return buildSubgraphSchema({ typeDefs: module.typeDefs, resolvers: module.resolvers });
}

/** A per-request context for a subgraph. */
export function createContext<L>(module: SubgraphModule<L>, db: DataSource): SubgraphContext<L> {
  return { db, loaders: module.createLoaders(db) };
}
