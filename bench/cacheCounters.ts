/**
 * The gateway's cache counters, read from its `/health` answer (`{ …, cache: { … } }`). The shape
 * is the cache's own business: every numeric leaf under `cache` is taken by its dotted path, and a
 * path ending in `hits` or `misses` counts for the layer named by the rest of the path
 * (`response.hits`, `{ entity: { misses } }` …).
 */
export type CacheCounters = Record<string, number>;

function flatten(value: unknown, path: string, into: CacheCounters): CacheCounters {
  if (typeof value === 'number' && Number.isFinite(value)) into[path] = value;
  else if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) flatten(child, path ? `${path}.${key}` : key, into);
  }
  return into;
}

/** The counters of the gateway at `graphqlUrl`, or null when its /health reports none. */
export async function readCacheCounters(graphqlUrl: string): Promise<CacheCounters | null> {
  try {
    const response = await fetch(graphqlUrl.replace(/\/graphql$/, '/health'));
    const body = (await response.json()) as { cache?: unknown };
    if (!body.cache || typeof body.cache !== 'object') return null;
    return flatten(body.cache, '', {});
  } catch {
    return null;
  }
}

/** Lookups of one cache layer between two readings. */
export interface LayerLookups {
  layer: string;
  hits: number;
  misses: number;
}

/** Hits and misses per layer between `before` and `after`; null when the counters are absent. */
export function lookupsBetween(before: CacheCounters | null, after: CacheCounters | null): LayerLookups[] | null {
  if (!before || !after) return null;
  const layers = new Map<string, LayerLookups>();
  for (const [path, value] of Object.entries(after)) {
    const match = /^(.*?)\.?(hits|misses)$/.exec(path);
    if (!match) continue;
    const layer = match[1] || 'cache';
    const entry = layers.get(layer) ?? { layer, hits: 0, misses: 0 };
    entry[match[2] as 'hits' | 'misses'] += value - (before[path] ?? 0);
    layers.set(layer, entry);
  }
  return [...layers.values()];
}

/** "response 99.9% · entity 80.0%" (layers that were consulted), "no lookups", or "n/a" without counters. */
export function formatHitRatio(lookups: LayerLookups[] | null): string {
  if (!lookups) return 'n/a';
  const used = lookups.filter((l) => l.hits + l.misses > 0);
  if (used.length === 0) return 'no lookups';
  return used.map((l) => `${l.layer} ${((100 * l.hits) / (l.hits + l.misses)).toFixed(1)}%`).join(' · ');
}
