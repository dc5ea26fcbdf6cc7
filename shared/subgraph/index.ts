import type { DocumentNode, GraphQLSchema } from 'graphql';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'graphql';
import type { DataSource, EntityManager } from 'typeorm';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { InvalidationBus } from '../cache';
import type { SubgraphManifest } from './manifest';
import type { MigrationSet } from '../db';
import type { PeriodTable } from '../db/partitions';
import { pinnedToPrimary, pinPrimary } from '../db/replica';
import type { EntityCaching } from '../cache/entityCache';
import type { Identity, RequestMeta, Role } from '../auth/identity';
import { SHARED_SCALARS } from '../graphql/scalars';
import { jurisdictionOf, type Jurisdiction } from '../auth/jurisdiction';
import { withAuthorizationDirectives } from './authorization';
import { recordCacheHints } from './cacheControl';
import { NO_REFERENCES, type References } from './references';
import { NO_LIVE, type LivePublisher } from '../live';
import type { Logger } from '../observability/logger';
import { AccessRecorder, classify, recordPersonalFields, type Classification, type SubjectsOf } from '../auth/personalData';

export { loadModules, scalarImplementations, type OpenDataSet, type SubgraphManifest } from './manifest';

/**
 * What every resolver of a subgraph receives: its database, who is asking (as the gateway signed
 * it) and why, the territory they may read, per-request loaders built for that territory, and the
 * recorder of the personal data the request reads.
 */
export interface SubgraphContext<L> {
  /** The subgraph's name and PostgreSQL schema (writes record them; see mutations.ts). */
  service: string;
  schema: string;
  db: DataSource;
  identity: Identity;
  meta: RequestMeta;
  jurisdiction: Jurisdiction;
  loaders: L;
  audit: AccessRecorder;
  /** Where writes announce the entity types they changed, so every cache drops them. */
  bus: InvalidationBus;
  /** The entity types this request's writes changed, reported to the gateway with the response. */
  changed: Set<string>;
  /** Existence checks of records owned by other subgraphs, for writes (see references.ts). */
  references: References;
  /** Where writes publish their live events after the commit (shared/live). */
  live: LivePublisher;
}

/**
 * A subgraph's part of the synthetic data set: the hub's seeder generates one consistent world
 * (shared IDs across subgraphs) and hands each subgraph, in registry order, the rows it owns.
 */
export interface SeedHook<Rows> {
  /** Writes one batch of this subgraph's rows in the seed's transaction; returns the rows inserted, by table. */
  insert(m: EntityManager, rows: Rows): Promise<Record<string, number>>;
  /** True once synthetic data was seeded (the first start seeds when a hook says false). */
  seeded(db: DataSource): Promise<boolean>;
}

/** A persona of the development tokens `npm start` prints, when a subgraph has a subject to offer. */
export interface DemoSubject {
  label: string;
  role: Role;
  sub: string;
}

/** What a subgraph's {@link SubgraphModule.timers} are given by their host. */
export interface SubgraphTimerDeps {
  db: DataSource;
  live: LivePublisher;
  log: Logger;
  /** Milliseconds between passes (LIVE_TIMER_SECONDS); the subgraph's default when absent. */
  intervalMs?: number;
}

/**
 * The uniform contract of a subgraph: its manifest (manifest.ts, what the hub knows without running
 * it) and its implementation. The gateway, the embedded mode, the tests and the stand-alone
 * entrypoint only ever use these members, so adding a subgraph means copying one folder and adding
 * one line to the registry (subgraphs/index.ts).
 */
export interface SubgraphModule<L = unknown> extends SubgraphManifest<L>, MigrationSet {
  /** Its SDL: the shared preamble and its `schema.graphql` ({@link subgraphTypeDefs}). */
  typeDefs: DocumentNode;
  /** Resolver maps are checked against schema.graphql by the tests, not by the compiler. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each subgraph types its own context
  resolvers: GraphQLResolverMap<any>;
  entities: Function[];
  migrations: Function[];
  /**
   * Its tables partitioned by quarter (shared/db/partitions.ts), one group archived together:
   * `npm run cli -- partitions detach` takes a past quarter of all of them at once, `prepare`
   * readies the coming ones (and `migrate` runs it for the current and the next quarter).
   */
  periodPartitions?: readonly PeriodTable[];
  /**
   * Fresh DataLoaders for one request, reading only what `jurisdiction` may see: their memo must
   * never outlive the request, nor serve another caller. Their batches read through `cache`
   * (shared/cache/entityCache.ts, possibly switched off), whose keys carry the jurisdiction's scope for
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
  /** Synthetic data for development, tests and the bench (see {@link SeedHook}). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the rows are typed by the subgraph and the world generator
  seed?: SeedHook<any>;
  /**
   * Timed work of its own that publishes live events (e.g. dossiers falling due), started by every
   * process that hosts the subgraph and has a live publisher: it must be safe to run on all replicas
   * at once (announce each thing once). Returns the function that stops it.
   */
  timers?(deps: SubgraphTimerDeps): () => Promise<void>;
  /** A subject for the development tokens (e.g. the first resident as a CITIZEN), read from its data. */
  demoSubject?(db: DataSource): Promise<DemoSubject | null>;
}

/** The SDL every subgraph starts with (federation link, hub directives, shared scalars, PageInfo): written once. */
export const SDL_PREAMBLE = readFileSync(join(__dirname, 'preamble.graphql'), 'utf8');

/**
 * A subgraph's type definitions: the shared preamble followed by its own `schema.graphql` in `dir`,
 * with the authorization directives its classification implies (authorization.ts).
 */
export function subgraphTypeDefs(dir: string): DocumentNode {
  return withAuthorizationDirectives(parse(`${SDL_PREAMBLE}\n${readFileSync(join(dir, 'schema.graphql'), 'utf8')}`));
}

/**
 * The executable federated schema of one subgraph, with its cache hints and personal fields
 * recorded (see cacheControl.ts and personalData.ts), and their classification.
 */
export function buildSchema(module: SubgraphModule): { schema: GraphQLSchema; classification: Classification } {
  const schema = buildSubgraphSchema({
    typeDefs: module.typeDefs,
    resolvers: { ...SHARED_SCALARS, ...module.scalars, ...module.resolvers },
  });
  // Before the personal fields are wrapped: which fields need a cache hint depends on their own resolvers.
  recordCacheHints(schema);
  const classification = classify(schema);
  if ([...classification.values()].some((c) => c !== 'NONE') && !module.subjectsOf) {
    throw new Error(`Subgraph "${module.name}" classifies personal fields but has no subjectsOf`);
  }
  if (module.subjectsOf) recordPersonalFields(schema, classification, module.subjectsOf);
  return { schema, classification };
}

/**
 * A per-request context for a subgraph, its loaders reading through the process's entity cache.
 * `db` is the request's own (ReadRouting.forRequest: reads on the replica when there is one).
 */
export function createContext<L>(
  module: SubgraphModule<L>,
  db: DataSource,
  identity: Identity,
  meta: RequestMeta,
  cache: EntityCaching,
  references: References = NO_REFERENCES,
  live: LivePublisher = NO_LIVE,
): SubgraphContext<L> {
  const jurisdiction = jurisdictionOf(identity);
  // Another subgraph checking the records a write names: it may have just written them (read-your-writes).
  if (identity.role === 'SERVICE') pinPrimary(db);
  // Built at first use, once the operation is known: a request pinned to the primary then (a
  // mutation: see server.ts) reads around the entity cache, which a replica may have filled.
  let loaders: L | undefined;
  return {
    service: module.name,
    schema: module.schema,
    db,
    identity,
    meta,
    jurisdiction,
    get loaders(): L {
      return (loaders ??= module.createLoaders(db, jurisdiction, pinnedToPrimary(db) ? { ...cache, enabled: false } : cache));
    },
    audit: new AccessRecorder(),
    bus: cache.bus,
    changed: new Set(),
    references,
    live,
  };
}
