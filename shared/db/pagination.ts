import DataLoader from 'dataloader';
import type { BatchCache } from '../cache/entityCache';
import { badInput, ErrorCode } from '../graphql/errors';

/** The largest page a client may ask for. */
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

/** A validated page request: at most `limit` rows whose sort key is greater than `after`. */
export interface PageRequest {
  limit: number;
  after: string | null;
}

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface Connection<T> {
  totalCount: number;
  pageInfo: PageInfo;
  edges: { cursor: string; node: T }[];
}

/**
 * A list kind: names the cursors of one list so a cursor from one list is refused by another,
 * and checks the shape of the key inside it.
 */
export interface ListKind {
  name: string;
  keyPattern: RegExp;
}

export function encodeCursor(kind: ListKind, key: string): string {
  return Buffer.from(`${kind.name}:${key}`, 'utf8').toString('base64url');
}

export function decodeCursor(kind: ListKind, cursor: string): string {
  const invalid = () => badInput('after', cursor, `not a cursor of this ${kind.name} list`, ErrorCode.INVALID_CURSOR);
  if (cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const prefix = `${kind.name}:`;
  if (!decoded.startsWith(prefix)) throw invalid();
  const key = decoded.slice(prefix.length);
  if (!kind.keyPattern.test(key)) throw invalid();
  return key;
}

/** Validates `first`/`after`; errors name the argument and carry a stable code. */
export function parsePageArgs(kind: ListKind, args: PageArgs): PageRequest {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw badInput('first', first, `must be between 0 and ${MAX_PAGE_SIZE}`, ErrorCode.PAGE_SIZE_OUT_OF_RANGE);
  }
  return { limit: first, after: args.after == null ? null : decodeCursor(kind, args.after) };
}

/**
 * Builds a connection from rows fetched with `limit + 1`: the extra row only tells whether a next
 * page exists (so even `first: 0` fetches one row, and answers hasNextPage truthfully).
 */
export function toConnection<T>(
  kind: ListKind,
  page: PageRequest,
  rows: T[],
  totalCount: number,
  keyOf: (row: T) => string,
): Connection<T> {
  const nodes = rows.slice(0, page.limit);
  const edges = nodes.map((node) => ({ cursor: encodeCursor(kind, keyOf(node)), node }));
  return {
    totalCount,
    pageInfo: {
      hasNextPage: rows.length > page.limit,
      hasPreviousPage: page.after !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    edges,
  };
}

/** Fetches one page per parent (`limit + 1` rows each) and the total per parent, for many parents at once. */
export interface ConnectionSource<P, T, F = undefined> {
  kind: ListKind;
  keyOf: (row: T) => string;
  /** Rows per parent, at most `page.limit + 1` each, in key order. One statement for all parents. */
  pages: (parents: readonly P[], page: PageRequest, filter: F) => Promise<Map<P, T[]>>;
  /** Total rows per parent, ignoring the page. One statement for all parents. */
  counts: (parents: readonly P[], filter: F) => Promise<Map<P, number>>;
}

/**
 * Nested connections (`Commune.residents`, `Province.communes`…) for every parent of a response in
 * two statements, whatever the number of parents or the page size. Returns a function giving the
 * loader for one set of page arguments; loaders live for one request only. With a `cache`, each
 * parent's whole Connection is cached under the parent, the page arguments and the filter (the
 * scope is in the cache's own key); the statements then cover only the parents it missed.
 */
export function connectionLoaders<P, T, F = undefined>(
  source: ConnectionSource<P, T, F>,
  cache?: BatchCache,
): (args: PageArgs, filter: F) => DataLoader<P, Connection<T>> {
  const byArgs = new Map<string, DataLoader<P, Connection<T>>>();
  return (args, filter) => {
    const page = parsePageArgs(source.kind, args);
    const id = JSON.stringify([page.limit, page.after, filter ?? null]);
    let loader = byArgs.get(id);
    if (!loader) {
      const fetch = async (parents: readonly P[]): Promise<Connection<T>[]> => {
        const [pages, counts] = await Promise.all([source.pages(parents, page, filter), source.counts(parents, filter)]);
        return parents.map((p) => toConnection(source.kind, page, pages.get(p) ?? [], counts.get(p) ?? 0, source.keyOf));
      };
      loader = new DataLoader<P, Connection<T>>((parents) =>
        cache ? cache.through(parents, fetch, (p) => `${String(p)}:${id}`) : fetch(parents),
      );
      byArgs.set(id, loader);
    }
    return loader;
  };
}

/** Groups rows by a key, keeping their order. */
export function groupBy<K, T>(rows: readonly T[], keyOf: (row: T) => K): Map<K, T[]> {
  const map = new Map<K, T[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const list = map.get(key);
    if (list) list.push(row);
    else map.set(key, [row]);
  }
  return map;
}
