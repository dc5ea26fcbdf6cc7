import DataLoader from 'dataloader';
import type { BatchCache } from '../cache/entityCache';

/**
 * A loader of records by unique key: `load` receives every key of the batch and must fetch them in
 * one statement (or a fixed few, whatever the batch size: partitions.ts readByKey); keys without a
 * record resolve to null. Build it per request (see createLoaders).
 * With a `cache` (shared/cache/entityCache.ts) the batch is read through it: `load` then receives only
 * the keys the cache missed (nulls are cached briefly too). Rows must be plain JSON values.
 */
export function keyedLoader<K, T>(
  load: (keys: readonly K[]) => Promise<T[]>,
  keyOf: (row: T) => K,
  cache?: BatchCache,
): DataLoader<K, T | null> {
  const fetch = async (keys: readonly K[]): Promise<(T | null)[]> => {
    const rows = new Map((await load(keys)).map((r) => [keyOf(r), r]));
    return keys.map((k) => rows.get(k) ?? null);
  };
  return new DataLoader<K, T | null>((keys) => (cache ? cache.through(keys, fetch) : fetch(keys)));
}

/**
 * A loader of lists by parent key: `load` fetches the rows of every parent of the batch in one
 * statement; parents without rows get an empty list. With a `cache`, as {@link keyedLoader}
 * (an empty list is a value, cached as long as a full one).
 */
export function groupedLoader<K, T>(
  load: (keys: readonly K[]) => Promise<T[]>,
  parentOf: (row: T) => K,
  cache?: BatchCache,
): DataLoader<K, T[]> {
  const fetch = async (keys: readonly K[]): Promise<T[][]> => {
    const grouped = new Map<K, T[]>();
    for (const row of await load(keys)) {
      const key = parentOf(row);
      const list = grouped.get(key);
      if (list) list.push(row);
      else grouped.set(key, [row]);
    }
    return keys.map((k) => grouped.get(k) ?? []);
  };
  return new DataLoader<K, T[]>((keys) => (cache ? cache.through(keys, fetch) : fetch(keys)));
}
