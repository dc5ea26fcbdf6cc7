import { testCaching, testPrefix, waitFor } from '../helpers/cache';
import type { RedisTarget } from '../../shared/cache';
import { createEntityCaching, loaderCaches, type EntityCaching } from '../../shared/cache/entityCache';
import { jurisdictionKey, withinJurisdiction, type Jurisdiction } from '../../shared/auth/jurisdiction';
import { groupedLoader, keyedLoader } from '../../shared/db/loaders';

/**
 * The entity cache's scenarios, written once and run on every store: the in-process LRU and one
 * Redis server (shared/__tests__/cache.test.ts), and a Redis Cluster (test/redis-cluster.test.ts).
 * Each registers its tests in the caller's `describe`; `redis` is read when the tests run, once the
 * caller's beforeAll has started what it names.
 */

export interface Row {
  id: string;
  commune: string;
  name: string;
}

export const A: Jurisdiction = { kind: 'COMMUNE', communeCode: '00004' };
export const B: Jurisdiction = { kind: 'COMMUNE', communeCode: '00008' };

/**
 * A pretend table behind the loaders: it answers only the rows within the caller's jurisdiction
 * (as the subgraphs' SQL does) and records every statement, i.e. every call of a batch function.
 */
export class Table {
  readonly rows = new Map<string, Row>([
    ['a', { id: 'a', commune: '00004', name: 'An' }],
    ['b', { id: 'b', commune: '00004', name: 'Bình' }],
    ['c', { id: 'c', commune: '00004', name: 'Cúc' }],
    ['e', { id: 'e', commune: '00008', name: 'Em' }],
  ]);
  statements: string[][] = [];

  read(jurisdiction: Jurisdiction) {
    return async (ids: readonly string[]): Promise<Row[]> => {
      this.statements.push([...ids]);
      return ids.flatMap((id) => {
        const row = this.rows.get(id);
        return row && withinJurisdiction(jurisdiction, { communeCodes: [row.commune], provinceCodes: [] }) ? [{ ...row }] : [];
      });
    };
  }

  /** The rows of each commune visible to `jurisdiction`, by commune code. */
  byCommune(jurisdiction: Jurisdiction) {
    return async (codes: readonly string[]): Promise<Row[]> => {
      this.statements.push([...codes]);
      return [...this.rows.values()].filter(
        (r) => codes.includes(r.commune) && withinJurisdiction(jurisdiction, { communeCodes: [r.commune], provinceCodes: [] }),
      );
    };
  }
}

/** The loaders of one request, for `jurisdiction`, reading through `cache`. */
export function loadersFor(cache: EntityCaching, table: Table, jurisdiction: Jurisdiction) {
  const { scoped, shared } = loaderCaches(cache, 'test', jurisdiction);
  return {
    residentById: keyedLoader(table.read(jurisdiction), (r) => r.id, scoped('residentById', ['Resident'])),
    residentsOfCommune: groupedLoader(table.byCommune(jurisdiction), (r) => r.commune, scoped('residentsOfCommune', ['Resident'])),
    /** Pretend-public data: the same for every caller. */
    publicById: keyedLoader(table.read({ kind: 'NATIONAL' }), (r) => r.id, shared('publicById', ['Commune'])),
  };
}

/** The read-through scenarios on the store `open` returns; `redis` is where it is (undefined: in memory). */
export function readThroughScenarios(open: () => EntityCaching, redis: () => RedisTarget | undefined): void {
  let cache: EntityCaching;
  let table: Table;
  beforeEach(async () => {
    cache = open();
    await cache.bus.ready();
    table = new Table();
  });
  afterEach(async () => {
    await cache.close();
  });

  test('a batch is one cache read; the misses one statement and one write; a repeated batch no statement', async () => {
    const mget = jest.spyOn(cache.store, 'mget');
    const mset = jest.spyOn(cache.store, 'mset');
    const first = await loadersFor(cache, table, A).residentById.loadMany(['a', 'b', 'c']);
    expect(first.map((r) => (r as Row).name)).toEqual(['An', 'Bình', 'Cúc']);
    expect(table.statements).toEqual([['a', 'b', 'c']]);
    expect([mget.mock.calls.length, mset.mock.calls.length]).toEqual([1, 1]);
    // The key names the prefix, subgraph, loader, scope and tag versions, then the key.
    expect(mget.mock.calls[0]![0][0]).toMatch(
      new RegExp(`^${cache.prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}e:test:residentById:C00004:v[^:]*:a$`),
    );

    const again = await loadersFor(cache, table, A).residentById.loadMany(['a', 'b', 'c']);
    expect(again).toEqual(first);
    expect(table.statements).toHaveLength(1);
    expect([mget.mock.calls.length, mset.mock.calls.length]).toEqual([2, 1]);

    // Only what the cache misses reaches the table.
    await loadersFor(cache, table, A).residentById.loadMany(['a', 'b']);
    expect(table.statements).toHaveLength(1);
    expect(cache.metrics.get('entity', 'hits')).toBe(5);
    expect(cache.metrics.get('entity', 'misses')).toBe(3);
  });

  test('lists are cached per parent, an empty list included', async () => {
    const lists = await loadersFor(cache, table, A).residentsOfCommune.loadMany(['00004', '00999']);
    expect(lists.map((l) => (l as Row[]).map((r) => r.id))).toEqual([['a', 'b', 'c'], []]);
    await loadersFor(cache, table, A).residentsOfCommune.loadMany(['00004', '00999']);
    expect(table.statements).toHaveLength(1);
  });

  test('unknown keys are cached as negatives for the negative TTL only', async () => {
    const brief = createEntityCaching({
      prefix: cache.prefix,
      ttls: cache.ttls.byType,
      negativeTtlSeconds: 1,
      bus: cache.bus,
      ...(redis() && cache.store.kind === 'redis' ? { redis: redis() } : {}),
    });
    try {
      await waitFor(() => brief.store.healthy());
      expect(await loadersFor(brief, table, A).residentById.load('zz')).toBeNull();
      expect(await loadersFor(brief, table, A).residentById.load('zz')).toBeNull();
      expect(table.statements).toEqual([['zz']]);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect(await loadersFor(brief, table, A).residentById.load('zz')).toBeNull();
      expect(table.statements).toEqual([['zz'], ['zz']]);
    } finally {
      await brief.close();
    }
  });

  test('two scopes never share a value, in both directions; public loaders share one key space', async () => {
    expect(jurisdictionKey(A)).toBe('C00004');
    // A warms the cache with its resident; B asking for it reads the table and gets nothing.
    expect((await loadersFor(cache, table, A).residentById.load('a'))?.name).toBe('An');
    expect(await loadersFor(cache, table, B).residentById.load('a')).toBeNull();
    // B warms the cache with its own resident; A asking for it gets nothing either.
    expect((await loadersFor(cache, table, B).residentById.load('e'))?.name).toBe('Em');
    expect(await loadersFor(cache, table, A).residentById.load('e')).toBeNull();
    expect(table.statements).toEqual([['a'], ['a'], ['e'], ['e']]);
    // And their negatives stay theirs: each still reads what it may see.
    expect((await loadersFor(cache, table, A).residentById.load('a'))?.name).toBe('An');
    expect((await loadersFor(cache, table, B).residentById.load('e'))?.name).toBe('Em');
    expect(await loadersFor(cache, table, B).residentById.load('a')).toBeNull();
    expect(table.statements).toHaveLength(4);
    // Lists too: A's commune page is not B's.
    expect((await loadersFor(cache, table, A).residentsOfCommune.load('00004')).length).toBe(3);
    expect(await loadersFor(cache, table, B).residentsOfCommune.load('00004')).toEqual([]);
    // Public data: read once for everyone.
    await loadersFor(cache, table, A).publicById.load('e');
    expect((await loadersFor(cache, table, B).publicById.load('e'))?.name).toBe('Em');
    expect(table.statements).toHaveLength(7);
  });

  test('invalidating a tag makes every entry holding it unreachable at once, and only those', async () => {
    await loadersFor(cache, table, A).residentById.load('a');
    await loadersFor(cache, table, A).publicById.load('a');
    table.rows.set('a', { id: 'a', commune: '00004', name: 'An (renamed)' });
    expect((await loadersFor(cache, table, A).residentById.load('a'))?.name).toBe('An');
    await cache.bus.invalidate(['Resident']);
    expect((await loadersFor(cache, table, A).residentById.load('a'))?.name).toBe('An (renamed)');
    // Tagged Commune only: still the cached value.
    expect((await loadersFor(cache, table, A).publicById.load('a'))?.name).toBe('An');
  });

  test('switched off, every batch reads the table and nothing is counted', async () => {
    const off = createEntityCaching({ enabled: false, prefix: cache.prefix });
    await loadersFor(off, table, A).residentById.load('a');
    await loadersFor(off, table, A).residentById.load('a');
    expect(table.statements).toHaveLength(2);
    expect(off.metrics.snapshot()).toEqual({});
    await off.close();
  });
}

/** Two instances on the Redis `redis` (one server or a cluster) with one prefix: a bump on one reaches the other at once. */
export function sharedInstancesScenario(redis: () => RedisTarget): void {
  test('an invalidation on one instance reaches the other at once, not after a TTL', async () => {
    const prefix = testPrefix();
    const one = testCaching({ redis: redis(), prefix });
    const two = testCaching({ redis: redis(), prefix });
    try {
      await Promise.all([one.bus.ready(), two.bus.ready()]);
      expect([one.health(), two.health()]).toEqual(['ok', 'ok']);
      const table = new Table();
      await loadersFor(one, table, A).residentById.load('a');
      // The second instance is served what the first cached (one Redis, one prefix).
      expect((await loadersFor(two, table, A).residentById.load('a'))?.name).toBe('An');
      expect(table.statements).toHaveLength(1);

      table.rows.set('a', { id: 'a', commune: '00004', name: 'An (renamed)' });
      const before = two.bus.version(['Resident']);
      const since = process.hrtime.bigint();
      const invalidation = one.bus.invalidate(['Resident']);
      // Instance 1 stops serving the old entry before the broadcast even leaves.
      expect(one.bus.version(['Resident'])).not.toBe(before);
      const seenByTwoMs = await waitFor(() => two.bus.version(['Resident']) !== before, 1_000, { intervalMs: 0, since });
      await invalidation;
      const invalidateMs = Number(process.hrtime.bigint() - since) / 1e6;
      expect(two.bus.version(['Resident'])).toBe(one.bus.version(['Resident']));
      expect((await loadersFor(one, table, A).residentById.load('a'))?.name).toBe('An (renamed)');
      expect((await loadersFor(two, table, A).residentById.load('a'))?.name).toBe('An (renamed)');
      console.log(
        `[entity cache] invalidation: instance 2 stopped serving the old entry ${seenByTwoMs} ms after instance 1 called invalidate() (which resolved in ${invalidateMs.toFixed(1)} ms); a TTL would have taken ${one.ttls.byType.Resident} s`,
      );
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
}
