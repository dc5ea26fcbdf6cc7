import DataLoader from 'dataloader';

/**
 * A loader of records by unique key: `load` receives every key of the batch and must fetch them in
 * one statement; keys without a record resolve to null. Build it per request (see createLoaders).
 */
export function keyedLoader<K, T>(load: (keys: readonly K[]) => Promise<T[]>, keyOf: (row: T) => K): DataLoader<K, T | null> {
  return new DataLoader<K, T | null>(async (keys) => {
    const rows = new Map((await load(keys)).map((r) => [keyOf(r), r]));
    return keys.map((k) => rows.get(k) ?? null);
  });
}

/**
 * A loader of lists by parent key: `load` fetches the rows of every parent of the batch in one
 * statement; parents without rows get an empty list.
 */
export function groupedLoader<K, T>(load: (keys: readonly K[]) => Promise<T[]>, parentOf: (row: T) => K): DataLoader<K, T[]> {
  return new DataLoader<K, T[]>(async (keys) => {
    const grouped = new Map<K, T[]>();
    for (const row of await load(keys)) {
      const key = parentOf(row);
      const list = grouped.get(key);
      if (list) list.push(row);
      else grouped.set(key, [row]);
    }
    return keys.map((k) => grouped.get(k) ?? []);
  });
}
