import { spawnSync } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { connectRateLimitRedis, createRateLimit } from '../gateway/rateLimit';
import { createRedis, keyHolders, scanKeys, type RedisClient, type RedisTarget } from '../shared/cache';
import { redisDocumentCache } from '../shared/documents';
import { createLiveBroker, type DeliveredEvent, type LiveBroker, type RedisLiveBroker } from '../shared/live';
import { createLogger } from '../shared/observability/logger';
import { dropTestKeys, testCaching, testPrefix, usePrefix, waitFor } from './helpers/cache';
import { openTestDatabase, type TestDatabase } from './helpers/hub';
import { OwnRedisCluster, redisClusterBinariesInstalled } from './helpers/redisCluster';
import { readThroughScenarios, sharedInstancesScenario } from './scenarios/entityCache';
import { twoGatewaysScenarios } from './scenarios/entityCacheGateway';
import { openSharedGateways, post, sharedResponseCacheScenario, type SharedGateways } from './scenarios/responseCache';

/**
 * Every Redis use of the hub on a Redis Cluster of its own (three masters, three replicas, on free
 * loopback ports): the cache and invalidation scenarios of the single-server suites, live events,
 * rate limits and the trusted documents' cache; then a master is killed and the hub keeps
 * answering, and recovers once its replica took over.
 */
const cluster = new OwnRedisCluster(3);
let target: RedisTarget;
const quiet = createLogger('redis-cluster-test', 'silent');

const ready = (redis: RedisClient) =>
  redis.status === 'ready' ? Promise.resolve() : new Promise<void>((resolve) => redis.once('ready', () => resolve()));

/** Calls `attempt` until it resolves (a cluster client refuses commands until it knows the slots). */
async function eventually<T>(attempt: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

(redisClusterBinariesInstalled() ? describe : describe.skip)('on a Redis Cluster (three masters, three replicas)', () => {
  beforeAll(async () => {
    const t = Date.now();
    await cluster.start();
    target = { cluster: cluster.seeds };
    console.log(`[redis cluster] six servers started and the cluster formed in ${Date.now() - t} ms`);
  }, 120_000);
  afterAll(async () => {
    await dropTestKeys().catch(() => undefined);
    await cluster.stop();
  });

  describe('entity cache read-through', () =>
    readThroughScenarios(
      () => testCaching({ redis: target }),
      () => target,
    ));
  describe('entity cache shared by instances', () => sharedInstancesScenario(() => target));
  describe('entity cache shared by two gateways', () => twoGatewaysScenarios(() => target));
  describe('response cache shared by two gateways', () => sharedResponseCacheScenario(() => target));

  test('cache keys spread over every master; SCAN on every master finds them all', async () => {
    const cache = testCaching({ redis: target });
    const redis = createRedis(target, { commandTimeoutMs: 2_000 });
    try {
      await waitFor(() => cache.health() === 'ok', 10_000);
      const keys = Array.from({ length: 60 }, (_, i) => `${cache.prefix}spread:${i}`);
      await cache.store.mset(keys.map((key) => ({ key, value: key, ttlSeconds: 60 })));
      expect(await cache.store.mget(keys)).toEqual(keys);
      await ready(redis);
      const perMaster = await Promise.all(keyHolders(redis).map(async (node) => (await node.keys(`${cache.prefix}spread:*`)).length));
      expect(perMaster).toHaveLength(3);
      expect(perMaster.every((n) => n > 0)).toBe(true);
      expect((await scanKeys(redis, `${cache.prefix}spread:*`)).sort()).toEqual([...keys].sort());
      await cache.store.del(keys);
      expect(await cache.store.mget(keys)).toEqual(keys.map(() => null));
    } finally {
      redis.disconnect();
      await cache.close();
    }
  });

  test('live events: published by one broker, read by another, several channels in one XREAD (one slot)', async () => {
    const prefix = usePrefix(target, testPrefix());
    const [one, two] = [createLiveBroker({ redis: target, prefix }), createLiveBroker({ redis: target, prefix })] as [
      LiveBroker,
      LiveBroker,
    ];
    const channels = ['dossier:commune:00004', 'dossier:commune:00008', 'dossier:province:01'];
    const received: Record<string, DeliveredEvent[]> = Object.fromEntries(channels.map((c) => [c, []]));
    try {
      const keys = channels.map((c) => (two as RedisLiveBroker).keyOf(c));
      expect(new Set(await Promise.all(keys.map((k) => cluster.slotOf(k)))).size).toBe(1);
      for (const channel of channels) await eventually(() => two.listen(channel, (e) => received[channel]!.push(e)));
      await eventually(async () => {
        if (one.status() !== 'up') throw new Error('not up');
      });
      const since = process.hrtime.bigint();
      await one.publish(channels.map((channel, i) => ({ channel, keys: { number: `n${i}` } })));
      const ms = await waitFor(() => channels.every((c) => received[c]!.length === 1), 5_000, { intervalMs: 0, since });
      expect(channels.map((c) => received[c]![0]!.keys)).toEqual([{ number: 'n0' }, { number: 'n1' }, { number: 'n2' }]);
      // A client that reconnects to the other broker resumes after the last id it had.
      const first = received[channels[0]!]![0]!.id;
      await one.publish([{ channel: channels[0]!, keys: { number: 'later' } }]);
      const resumed: DeliveredEvent[] = [];
      const stop = await one.listen(channels[0]!, (e) => resumed.push(e), first);
      expect(resumed.map((e) => e.keys)).toEqual([{ number: 'later' }]);
      stop();
      console.log(`[redis cluster] live: three channels delivered to the other broker ${ms} ms after publish`);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  test('rate limits: two gateways count in one key per client; the counts spread over the masters', async () => {
    const prefix = usePrefix(target, testPrefix());
    const [a, b] = [connectRateLimitRedis(target, quiet), connectRateLimitRedis(target, quiet)];
    const monitor = createRedis(target, { commandTimeoutMs: 2_000 });
    try {
      await Promise.all([ready(a), ready(b), ready(monitor)]);
      const limits = { points: 3, durationSeconds: 60, keyPrefix: `${prefix}rate`, log: quiet };
      const [limitA, limitB] = [createRateLimit({ ...limits, redis: a }), createRateLimit({ ...limits, redis: b })];
      const request = (token: string) => ({ headers: { authorization: `Bearer ${token}` }, socket: {} }) as IncomingMessage;
      const decisions = [];
      for (const limit of [limitA, limitB, limitA, limitB]) decisions.push((await limit(request('one-client'))).allowed);
      expect(decisions).toEqual([true, true, true, false]);
      for (let i = 0; i < 30; i++) expect((await (i % 2 ? limitA : limitB)(request(`client-${i}`))).allowed).toBe(true);
      const perMaster = await Promise.all(keyHolders(monitor).map(async (node) => (await node.keys(`${prefix}rate:*`)).length));
      expect(perMaster.reduce((x, y) => x + y, 0)).toBe(31);
      expect(perMaster.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
    } finally {
      for (const client of [a, b, monitor]) client.disconnect();
    }
  });

  test('trusted documents cache: entries in several slots are read and dropped at once (no CROSSSLOT)', async () => {
    const prefix = usePrefix(target, testPrefix());
    const cache = redisDocumentCache(target);
    try {
      await cache.ready(10_000);
      const keys = ['a', 'b', 'c', 'd', 'e'].map((id) => `${prefix}doc:app:${id}`);
      expect(new Set(await Promise.all(keys.map((k) => cluster.slotOf(k)))).size).toBeGreaterThan(1);
      for (const key of keys) await cache.set(key, `body of ${key}`, 60);
      expect(await Promise.all(keys.map((k) => cache.get(k)))).toEqual(keys.map((k) => `body of ${k}`));
      await cache.del(keys);
      expect(await Promise.all(keys.map((k) => cache.get(k)))).toEqual(keys.map(() => null));
    } finally {
      cache.close();
    }
  });

  test('REDIS_CLUSTER_NODES from the environment: `npm run cli -- cache invalidate` bumps the versions every instance reads', async () => {
    const prefix = testPrefix();
    const instance = testCaching({ redis: target, prefix });
    const nodes = cluster.seeds.map((n) => `${n.host}:${n.port}`).join(',');
    try {
      await waitFor(() => instance.health() === 'ok', 10_000);
      const before = instance.bus.version(['Province']);
      const tsx = join(__dirname, '..', 'node_modules', '.bin', 'tsx');
      const run = spawnSync(tsx, [join(__dirname, '..', 'cli', 'index.ts'), 'cache', 'invalidate', '--tags', 'Province'], {
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, REDIS_URL: '', REDIS_CLUSTER_NODES: nodes, DATABASE_URL: '', LOG_LEVEL: 'silent', CACHE_PREFIX: prefix },
      });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toContain(`invalidated Province (prefix "${prefix}")`);
      await waitFor(() => instance.bus.version(['Province']) !== before, 5_000);
    } finally {
      await instance.close();
    }
  }, 120_000);

  describe('a master killed (SIGKILL)', () => {
    let database: TestDatabase;
    let gateways: SharedGateways;
    let brokers: LiveBroker[] = [];
    let prefix: string;
    beforeAll(async () => {
      // A prefix whose invalidation versions and live streams are on one master: the one to kill.
      const mastersOf = async (p: string) =>
        Promise.all([`${p}versions`, `${p}{${p}live}:x`].map(async (key) => (await cluster.masterOf(await cluster.slotOf(key))).port));
      for (prefix = testPrefix(); new Set(await mastersOf(prefix)).size > 1; prefix = testPrefix());
      database = await openTestDatabase();
      gateways = await openSharedGateways(database, target, prefix);
      brokers = [createLiveBroker({ redis: target, prefix }), createLiveBroker({ redis: target, prefix })];
    });
    afterAll(async () => {
      await Promise.all(brokers.map((b) => b.close()));
      await gateways?.close();
      await database?.close();
    });

    test('the gateways keep answering (200, degraded at worst) and recover: an invalidation and a live event reach the other gateway again', async () => {
      const { urls, entity, response } = gateways;
      const [publisher, reader] = brokers as [LiveBroker, LiveBroker];
      const events: DeliveredEvent[] = [];
      await eventually(() => reader.listen('dossier:commune:00004', (e) => events.push(e)));
      const query = '{ provinces(search: "hue") { code name } }';
      const expected = (await post(urls[0]!, query)).body;
      expect((await post(urls[1]!, query)).cache).toBe('HIT');

      // The worst master to lose: the one holding the invalidation bus's versions.
      const victim = await cluster.masterOf(await cluster.slotOf(`${prefix}versions`));
      const survivors = cluster.nodes.filter((n) => n !== victim);
      const statuses = new Map<number, number>();
      const latencies: number[] = [];
      let degradedSeen = false;
      let stopped = false;
      // Requests go on all along, alternating between the gateways.
      const load = (async () => {
        for (let i = 0; !stopped; i++) {
          const t = performance.now();
          const answer = await post(urls[i % 2]!, query);
          latencies.push(performance.now() - t);
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          if (answer.status === 200) expect(JSON.parse(answer.body)).toEqual(JSON.parse(expected));
          if (response.some((c) => c.health() === 'degraded')) degradedSeen = true;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();

      const since = process.hrtime.bigint();
      const elapsed = () => Math.round(Number(process.hrtime.bigint() - since) / 1e6);
      const timings: Record<string, number> = {};
      await cluster.kill(victim);
      // A write on gateway 0 right after the crash: its bump is kept until the versions' slot answers.
      const before = response[1]!.bus.epoch();
      await entity[0]!.bus.invalidate(['Province']);
      // And a live event of that write: kept by the publisher until the streams' slot answers.
      await publisher.publish([{ channel: 'dossier:commune:00004', keys: { number: 'during-failover' } }]);
      const slot = await cluster.slotOf(`${prefix}versions`);
      timings.replicaPromotedMs = await waitFor(async () => (await cluster.masterOf(slot).catch(() => victim)) !== victim, 30_000, {
        intervalMs: 50,
        since,
      });
      await cluster.waitUntilOk(survivors, 30_000);
      timings.clusterOkMs = elapsed();
      timings.invalidationReachedOtherMs = await waitFor(() => response[1]!.bus.epoch() !== before, 30_000, { intervalMs: 10, since });
      timings.bothHealthyMs = await waitFor(() => response.every((c) => c.health() === 'ok'), 30_000, { intervalMs: 10, since });
      timings.liveEventDeliveredMs = await waitFor(() => events.length > 0, 30_000, { intervalMs: 10, since });
      expect(events.map((e) => e.keys)).toEqual([{ number: 'during-failover' }]);
      stopped = true;
      await load;

      // Caches serve again, across gateways: an entry written by one is a hit on the other.
      await waitFor(async () => (await post(urls[0]!, query)).status === 200 && (await post(urls[1]!, query)).cache === 'HIT', 10_000, {
        intervalMs: 100,
      });
      const sorted = [...latencies].sort((x, y) => x - y);
      const p = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
      console.log(
        `[redis cluster] master :${victim.port} killed: ${JSON.stringify(timings)}; ${latencies.length} requests meanwhile, statuses ${JSON.stringify(Object.fromEntries(statuses))}, latency p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${p(1)} ms; degraded seen: ${degradedSeen}`,
      );
      expect([...statuses.keys()]).toEqual([200]);
    }, 120_000);
  });
});
