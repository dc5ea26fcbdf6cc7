import type { GraphQLScalarType } from 'graphql';
import type { SubgraphDescriptor } from '../config';
import { SHARED_SCALARS } from '../graphql/scalars';
import type { SubgraphModule } from './';

/**
 * An open-data set a subgraph publishes (served by the gateway at
 * `/open-data/{name}/{period}.csv|json`): a query it answers for the PUBLIC identity, so only what
 * the public may read can be in it, and the flat rows made of its answer.
 */
export interface OpenDataSet {
  /** The URL segment (`evaluation`). */
  name: string;
  /** The columns, in order (CSV header, JSON keys). */
  columns: readonly string[];
  /** The query and variables for a period and the URL's parameters; throws a PublicError (BAD_USER_INPUT) for bad ones. */
  request(period: string, params: URLSearchParams): { query: string; variables: Record<string, unknown> };
  rows(data: Record<string, unknown>): Record<string, string | number | boolean | null>[];
}

/**
 * What the hub knows of a subgraph without running it (`subgraphs/<name>/manifest.ts`): everything
 * a gateway in front of separate subgraph processes, the configuration, the process lists and the
 * generators read. It imports nothing heavy — no resolvers, entities, TypeORM, migrations or seeds
 * — so a process that does not host the subgraph never loads its code; {@link load} brings the
 * implementation (`subgraph.ts`) to the processes that run it (the embedded hub, the subgraph's own
 * process, the seeder, the build tools).
 */
export interface SubgraphManifest<L = unknown> extends SubgraphDescriptor {
  /** What it owns, Vietnamese name first (README's subgraph table is generated from it). */
  description: string;
  /** PostgreSQL schema that holds this subgraph's tables, and nothing else's. */
  schema: string;
  /** The file that runs it as its own process (`join(__dirname, 'index.ts')`). */
  entrypoint: string;
  /**
   * The entity types owned by other subgraphs that this subgraph's writes refer to, each with the
   * name of the subgraph that owns it (`{ Resident: 'population' }`): the host routes existence
   * checks there (references.ts). A composition test checks every owner against the supergraph.
   */
  references?: Readonly<Record<string, string>>;
  /**
   * The custom scalars its SDL declares beyond the shared ones of the preamble, by name: its schema
   * uses them, and the gateway enforces the same objects on arguments and variables (door.ts)
   * without loading the subgraph.
   */
  scalars?: Readonly<Record<string, GraphQLScalarType>>;
  /** Open-data sets it publishes (see {@link OpenDataSet}), served by the gateway in either mode. */
  openData?: readonly OpenDataSet[];
  /**
   * The implementation (`subgraph.ts`), loaded on first call — synchronously, so that every caller
   * stays as it was; later calls return the same object.
   */
  load(): SubgraphModule<L>;
}

/** The implementations of `manifests`, in order (each loaded once, on first use). */
export function loadModules(manifests: readonly SubgraphManifest[]): SubgraphModule[] {
  return manifests.map((m) => m.load());
}

/**
 * The implementation of every custom scalar the subgraphs declare, by name: the shared ones of the
 * preamble and those a subgraph declares itself ({@link SubgraphManifest.scalars}). The gateway
 * enforces the same objects on arguments and variables (gateway/door.ts), so a value is judged by
 * one implementation wherever it arrives. Two different implementations of one name are an error.
 */
export function scalarImplementations(manifests: readonly SubgraphManifest[]): ReadonlyMap<string, GraphQLScalarType> {
  const scalars = new Map<string, GraphQLScalarType>(Object.entries(SHARED_SCALARS));
  for (const manifest of manifests) {
    for (const [name, value] of Object.entries(manifest.scalars ?? {})) {
      const known = scalars.get(name);
      if (known && known !== value)
        throw new Error(`Scalar ${name} has two implementations (subgraph "${manifest.name}" declares another)`);
      scalars.set(name, value);
    }
  }
  return scalars;
}
