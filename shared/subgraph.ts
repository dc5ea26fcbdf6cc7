import type { DocumentNode, GraphQLSchema } from 'graphql';
import type { DataSource } from 'typeorm';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { InvalidationBus } from './cache';
import type { MigrationSet } from './db';
import type { EntityCaching } from './entityCache';
import type { Identity, RequestMeta } from './identity';
import { jurisdictionOf, type Jurisdiction } from './jurisdiction';
import { AccessRecorder, classify, recordPersonalFields, type Classification, type SubjectsOf } from './personalData';

/**
 * What every resolver of a subgraph receives: its database, who is asking (as the gateway signed
 * it) and why, the territory they may read, per-request loaders built for that territory, and the
 * recorder of the personal data the request reads.
 */
export interface SubgraphContext<L> {
  db: DataSource;
  identity: Identity;
  meta: RequestMeta;
  jurisdiction: Jurisdiction;
  loaders: L;
  audit: AccessRecorder;
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
  /**
   * Fresh DataLoaders for one request, reading only what `jurisdiction` may see: their memo must
   * never outlive the request, nor serve another caller. Their batches read through `cache`
   * (shared/entityCache.ts, possibly switched off), whose keys carry the jurisdiction's scope for
   * every loader that depends on it or reads personal data.
   */
  createLoaders(db: DataSource, jurisdiction: Jurisdiction, cache: EntityCaching): L;
  /** The data subjects of a resolved personal field (see personalData.ts); needed when the SDL classifies fields. */
  subjectsOf?: SubjectsOf;
  /**
   * Loads this subgraph's reference data (idempotent); synthetic data comes from the CLI seeder.
   * Invalidates the entity types it (re)imported on `bus`, when given, on every instance.
   */
  seedReference?(db: DataSource, bus?: InvalidationBus): Promise<void>;
}

/** The executable federated schema of one subgraph, with personal fields recorded, and their classification. */
export function buildSchema(module: SubgraphModule): { schema: GraphQLSchema; classification: Classification } {
  const schema = buildSubgraphSchema({ typeDefs: module.typeDefs, resolvers: module.resolvers });
  const classification = classify(schema);
  if ([...classification.values()].some((c) => c !== 'NONE') && !module.subjectsOf) {
    throw new Error(`Subgraph "${module.name}" classifies personal fields but has no subjectsOf`);
  }
  if (module.subjectsOf) recordPersonalFields(schema, classification, module.subjectsOf);
  return { schema, classification };
}

/** A per-request context for a subgraph, its loaders reading through the process's entity cache. */
export function createContext<L>(
  module: SubgraphModule<L>,
  db: DataSource,
  identity: Identity,
  meta: RequestMeta,
  cache: EntityCaching,
): SubgraphContext<L> {
  const jurisdiction = jurisdictionOf(identity);
  return { db, identity, meta, jurisdiction, loaders: module.createLoaders(db, jurisdiction, cache), audit: new AccessRecorder() };
}
