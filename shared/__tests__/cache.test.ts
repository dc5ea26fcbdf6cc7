import {
  describeWithRedis,
  dropTestKeys,
  freePort,
  OwnRedis,
  redisServerInstalled,
  RUN_REDIS_URL,
  testCaching,
  testPrefix,
  waitFor,
} from '../../test/helpers/cache';
import { A, loadersFor, readThroughScenarios, sharedInstancesScenario, Table, type Row } from '../../test/scenarios/entityCache';
import type { RedisTarget } from '../cache';
import { healthCheck, type EntityCaching } from '../cache/entityCache';

const stores: [string, () => EntityCaching, () => RedisTarget | undefined][] = [
  ['in-process LRU', () => testCaching({ prefix: testPrefix() }), () => undefined],
];
if (RUN_REDIS_URL) stores.push(['Redis', () => testCaching({ redis: RUN_REDIS_URL }), () => RUN_REDIS_URL]);

// Entries expire by themselves, but the versions hash of each prefix would stay.
afterAll(() => dropTestKeys());

describe.each(stores)('entity cache read-through on the %s', (_label, open, redis) => readThroughScenarios(open, redis));

describeWithRedis('entity cache on Redis shared by instances', () => sharedInstancesScenario(() => RUN_REDIS_URL!));

(RUN_REDIS_URL && redisServerInstalled() ? describe : describe.skip)('entity cache when Redis stops and returns', () => {
  let server: OwnRedis;
  beforeAll(async () => {
    server = new OwnRedis(await freePort());
    await server.start();
  });
  afterAll(async () => {
    await server?.stop();
  });

  test('answers stay right from the table, health says degraded, and both recover by themselves', async () => {
    const prefix = testPrefix();
    const one = testCaching({ redis: server.url, prefix });
    const two = testCaching({ redis: server.url, prefix });
    const health = healthCheck(one, async () => true);
    const timings: Record<string, number> = {};
    try {
      await Promise.all([one.bus.ready(), two.bus.ready()]);
      expect((await health()).status).toBe('ok');
      const table = new Table();
      await loadersFor(one, table, A).residentById.loadMany(['a', 'zz']);
      await loadersFor(one, table, A).residentById.loadMany(['a', 'zz']);
      expect(table.statements).toHaveLength(1);

      let t = Date.now();
      await server.stop();
      timings.degradedAfterMs = await waitFor(() => one.health() === 'degraded' && two.health() === 'degraded', 5_000);
      const report = await health();
      expect(report).toMatchObject({ status: 'degraded', cache: expect.objectContaining({ 'entity.hits': 2 }) });
      // Every read goes to the table and answers right; no read waits on the missing Redis.
      t = Date.now();
      for (let i = 0; i < 3; i++) {
        const rows = await loadersFor(one, table, A).residentById.loadMany(['a', 'zz']);
        expect(rows.map((r) => (r as Row | null)?.name ?? null)).toEqual(['An', null]);
      }
      timings.threeReadsWhileDownMs = Date.now() - t;
      expect(table.statements).toHaveLength(4);
      // An invalidation while Redis is away is kept and sent when it returns.
      await one.bus.invalidate(['Resident']);
      expect(one.bus.consistent()).toBe(false);

      t = Date.now();
      await server.start();
      timings.restartMs = Date.now() - t;
      t = Date.now();
      timings.recoveredAfterMs = await waitFor(() => one.health() === 'ok' && two.health() === 'ok', 10_000);
      expect((await health()).status).toBe('ok');
      // Cached again: the second read is served by Redis.
      await loadersFor(one, table, A).residentById.load('a');
      await loadersFor(one, table, A).residentById.load('a');
      expect(table.statements).toHaveLength(5);

      // Redis came back empty (no persistence): invalidations still reach the other instance.
      expect((await loadersFor(two, table, A).residentById.load('a'))?.name).toBe('An');
      expect(table.statements).toHaveLength(5);
      table.rows.set('a', { id: 'a', commune: '00004', name: 'An (renamed)' });
      await one.bus.invalidate(['Resident']);
      timings.propagationAfterRestartMs = await waitFor(() => two.bus.version(['Resident']) === one.bus.version(['Resident']), 1_000, {
        intervalMs: 0,
      });
      expect((await loadersFor(two, table, A).residentById.load('a'))?.name).toBe('An (renamed)');
      console.log(`[entity cache] Redis stop/start: ${JSON.stringify(timings)}`);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});
