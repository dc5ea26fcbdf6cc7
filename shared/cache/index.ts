import { LRUCache } from 'lru-cache';
import { createRedis, delKeys, isCluster, type RedisClient, type RedisTarget } from './redis';

export {
  createRedis,
  deleteMatching,
  delKeys,
  isCluster,
  keyHolders,
  redisLabel,
  scanKeys,
  type RedisClient,
  type RedisNode,
  type RedisTarget,
} from './redis';

/**
 * The caches' building blocks, shared by the subgraphs' entity caches and the gateway's response
 * cache: a key-value store (Redis, or an in-process LRU in the embedded default), an invalidation
 * bus (versions per tag, broadcast over Redis pub/sub), and counters.
 *
 * Redis trouble is never an outage: a store whose Redis is not ready answers every read as a miss
 * and drops writes at once (no offline queue, bounded command timeout), counts an error, and
 * resumes by itself when the client reconnects.
 */

export type CacheLayer = 'entity' | 'response' | 'apq';
type Counter = 'hits' | 'misses' | 'errors' | 'invalidations' | 'writes';

/** Hit, miss, error, write and invalidation counters per cache layer, for operators (and /metrics later). */
export class CacheMetrics {
  private readonly counters = new Map<string, number>();

  add(layer: CacheLayer, counter: Counter, n = 1): void {
    if (n === 0) return;
    const key = `${layer}.${counter}`;
    this.counters.set(key, (this.counters.get(key) ?? 0) + n);
  }

  get(layer: CacheLayer, counter: Counter): number {
    return this.counters.get(`${layer}.${counter}`) ?? 0;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counters].sort(([a], [b]) => a.localeCompare(b)));
  }
}

export interface CacheEntry {
  key: string;
  value: string;
  ttlSeconds: number;
}

/** A key-value store that never throws: failures read as misses and are counted as errors. */
export interface CacheStore {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | null>;
  mget(keys: readonly string[]): Promise<(string | null)[]>;
  /** As {@link mget}, as bytes: a cached response goes to the socket without decoding and re-encoding. */
  mgetBuffer(keys: readonly string[]): Promise<(Buffer | null)[]>;
  mset(entries: readonly CacheEntry[]): Promise<void>;
  del(keys: readonly string[]): Promise<void>;
  /** False while Redis is unreachable (health reports "degraded"). */
  healthy(): boolean;
}

/**
 * Entries on Redis. On a cluster the keys of one MGET or write may lie on every node: each key is
 * its own command there (the client pipelines them per node), where one server takes one MGET.
 */
export class RedisStore implements CacheStore {
  readonly kind = 'redis';
  private readonly cluster: boolean;
  constructor(
    private readonly redis: RedisClient,
    private readonly layer: CacheLayer,
    private readonly metrics: CacheMetrics,
  ) {
    this.cluster = isCluster(redis);
  }

  healthy(): boolean {
    return this.redis.status === 'ready';
  }

  async get(key: string): Promise<string | null> {
    return (await this.mget([key]))[0] ?? null;
  }

  mget(keys: readonly string[]): Promise<(string | null)[]> {
    return this.read(keys, () => (this.cluster ? Promise.all(keys.map((k) => this.redis.get(k))) : this.redis.mget(...keys)));
  }

  mgetBuffer(keys: readonly string[]): Promise<(Buffer | null)[]> {
    return this.read(keys, () => (this.cluster ? Promise.all(keys.map((k) => this.redis.getBuffer(k))) : this.redis.mgetBuffer(...keys)));
  }

  /** A read that never throws: Redis not ready or failing means every key is a miss (counted). */
  private async read<T>(keys: readonly string[], fetch: () => Promise<(T | null)[]>): Promise<(T | null)[]> {
    if (keys.length === 0) return [];
    if (!this.healthy()) {
      this.metrics.add(this.layer, 'errors');
      return keys.map(() => null);
    }
    try {
      return await fetch();
    } catch {
      this.metrics.add(this.layer, 'errors');
      return keys.map(() => null);
    }
  }

  async mset(entries: readonly CacheEntry[]): Promise<void> {
    if (entries.length === 0) return;
    if (!this.healthy()) {
      this.metrics.add(this.layer, 'errors');
      return;
    }
    try {
      const ttl = (e: CacheEntry) => Math.max(1, Math.round(e.ttlSeconds));
      if (this.cluster) await Promise.all(entries.map((e) => this.redis.set(e.key, e.value, 'EX', ttl(e))));
      else {
        const pipeline = this.redis.pipeline();
        for (const e of entries) pipeline.set(e.key, e.value, 'EX', ttl(e));
        await pipeline.exec();
      }
      this.metrics.add(this.layer, 'writes', entries.length);
    } catch {
      this.metrics.add(this.layer, 'errors');
    }
  }

  async del(keys: readonly string[]): Promise<void> {
    if (keys.length === 0 || !this.healthy()) return;
    try {
      await delKeys(this.redis, keys);
    } catch {
      this.metrics.add(this.layer, 'errors');
    }
  }
}

export class MemoryStore implements CacheStore {
  readonly kind = 'memory';
  private readonly lru: LRUCache<string, string>;
  constructor(
    private readonly layer: CacheLayer,
    private readonly metrics: CacheMetrics,
    maxEntries = 50_000,
  ) {
    this.lru = new LRUCache<string, string>({ max: maxEntries });
  }

  healthy(): boolean {
    return true;
  }

  async get(key: string): Promise<string | null> {
    return this.lru.get(key) ?? null;
  }

  async mget(keys: readonly string[]): Promise<(string | null)[]> {
    return keys.map((k) => this.lru.get(k) ?? null);
  }

  async mgetBuffer(keys: readonly string[]): Promise<(Buffer | null)[]> {
    return keys.map((k) => {
      const value = this.lru.get(k);
      return value === undefined ? null : Buffer.from(value, 'utf8');
    });
  }

  async mset(entries: readonly CacheEntry[]): Promise<void> {
    for (const e of entries) this.lru.set(e.key, e.value, { ttl: e.ttlSeconds * 1000 });
    this.metrics.add(this.layer, 'writes', entries.length);
  }

  async del(keys: readonly string[]): Promise<void> {
    for (const k of keys) this.lru.delete(k);
  }
}

/**
 * Versions per tag (an entity type such as `Resident`). Cache keys embed the versions of the tags
 * their value depends on, so bumping a tag makes every entry that contains such an entity
 * unreachable at once, on every instance: with Redis the bump is an HINCRBY plus a PUBLISH that
 * every instance applies to its in-memory copy (reloaded whole after a reconnect, so a missed
 * message cannot leave an instance behind). A bump that fails while Redis is away is retried when
 * it returns; until then this instance's own cache is bypassed.
 */
export interface InvalidationBus {
  /** The version string of a set of tags, for a cache key. */
  version(tags: readonly string[]): string;
  /** Changes whenever any tag is bumped (the gateway's response cache keys on it). */
  epoch(): string;
  invalidate(tags: readonly string[]): Promise<void>;
  /**
   * Another process reports that it changed entities of these tags (and bumped them on the shared
   * bus, if there is one): resolves once this instance no longer serves what it cached of them —
   * with Redis by reloading the versions, in memory by bumping its own.
   */
  observe(tags: readonly string[]): Promise<void>;
  /**
   * Resolves once the versions were loaded (immediately for the in-memory bus), or once the first
   * attempt gave up while Redis is unreachable: check {@link consistent} afterwards.
   */
  ready(): Promise<void>;
  /**
   * False while this instance cannot trust its versions: bumps pending, or (Redis) versions not
   * loaded since the last (re)connection. Nothing may then be served from or written to a cache.
   */
  consistent(): boolean;
  close(): Promise<void>;
}

export class MemoryBus implements InvalidationBus {
  private readonly versions = new Map<string, number>();
  private total = 0;
  constructor(private readonly metrics: CacheMetrics) {}

  version(tags: readonly string[]): string {
    return tags.map((t) => this.versions.get(t) ?? 0).join('.');
  }
  epoch(): string {
    return String(this.total);
  }
  async invalidate(tags: readonly string[]): Promise<void> {
    for (const t of tags) this.versions.set(t, (this.versions.get(t) ?? 0) + 1);
    this.total += tags.length;
    this.metrics.add('entity', 'invalidations', tags.length);
  }
  observe(tags: readonly string[]): Promise<void> {
    return this.invalidate(tags);
  }
  async ready(): Promise<void> {}
  consistent(): boolean {
    return true;
  }
  async close(): Promise<void> {}
}

/** Hash field naming the generation of the versions: a new one whenever Redis lost the hash (restart without persistence, eviction). */
const GENERATION_FIELD = '__generation';
const INITIAL_LOAD_TIMEOUT_MS = 2_000;
/** On a cluster: milliseconds between the retries of pending bumps and the reloads of the versions. */
const CLUSTER_HEAL_INTERVAL_MS = 1_000;

export class RedisBus implements InvalidationBus {
  private readonly versions = new Map<string, number>();
  private readonly pending = new Set<string>();
  /** The generation the versions belong to; null until loaded. Part of every version string. */
  private generation: string | null = null;
  /** True until the versions were loaded since the subscriber last (re)connected (a message may have been missed). */
  private stale = true;
  private readonly loaded: Promise<void>;
  private markLoaded: () => void = () => undefined;
  private readonly hashKey: string;
  private readonly channel: string;
  private readonly cluster: boolean;
  private heal: NodeJS.Timeout | null = null;

  /**
   * `hashKey` and the channel are one key and one channel: a bump's HINCRBYs are one pipeline to
   * one slot. On a cluster, PUBLISH reaches the subscribers of every node (classic pub/sub is
   * broadcast over the cluster bus).
   */
  constructor(
    private readonly redis: RedisClient,
    private readonly subscriber: RedisClient,
    prefix: string,
    private readonly metrics: CacheMetrics,
  ) {
    this.hashKey = `${prefix}versions`;
    this.channel = `${prefix}invalidate`;
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      try {
        const parsed = JSON.parse(message) as Record<string, unknown>;
        // Bumped under another generation (Redis lost the hash since we loaded it): start again from Redis.
        if (parsed[GENERATION_FIELD] !== this.generation) void this.reload();
        else this.apply(parsed);
      } catch {
        // A malformed message changes nothing; the next reload corrects any drift.
      }
    });
    // After every (re)connection of either client: resubscribe and reload, in case a bump was
    // missed; whichever connection is ready last does it (both are needed).
    this.subscriber.on('close', () => {
      this.stale = true;
    });
    this.subscriber.on('ready', () => void this.reload());
    this.redis.on('ready', () => void this.flushPending().then(() => this.reload()));
    this.cluster = isCluster(redis);
    if (this.cluster) {
      // A cluster client stays "ready" while one master fails over (no event says when its
      // replica took over), and its subscription moves to another node without a word: pending
      // bumps are retried and the versions reloaded every second (one HGETALL of a small hash),
      // which bounds what a message lost in the move can cost.
      this.heal = setInterval(() => void this.flushPending().then(() => this.reload()), CLUSTER_HEAL_INTERVAL_MS);
      this.heal.unref();
    }
    this.loaded = new Promise<void>((resolve) => {
      this.markLoaded = resolve;
      setTimeout(resolve, INITIAL_LOAD_TIMEOUT_MS).unref();
    });
    void this.reload();
  }

  private apply(versions: Record<string, unknown>): void {
    for (const [tag, v] of Object.entries(versions)) {
      if (typeof v === 'number' && v > (this.versions.get(tag) ?? 0)) this.versions.set(tag, v);
    }
  }

  private async reload(): Promise<void> {
    try {
      if (this.subscriber.status !== 'ready' || this.redis.status !== 'ready') return;
      // Subscribe before reading, so no bump falls between the two.
      await this.subscriber.subscribe(this.channel);
      await this.redis.hsetnx(this.hashKey, GENERATION_FIELD, Math.random().toString(36).slice(2, 8));
      const { [GENERATION_FIELD]: generation, ...all } = await this.redis.hgetall(this.hashKey);
      if (generation !== this.generation) {
        // Entries of another generation are unreachable (their keys name it): take Redis's versions as they are.
        this.versions.clear();
        this.generation = generation ?? null;
      }
      this.apply(Object.fromEntries(Object.entries(all).map(([k, v]) => [k, Number(v)])));
      this.stale = this.generation === null;
      if (!this.stale) this.markLoaded();
    } catch {
      // On a cluster the connections stay up while the hash's master is away: until it can be read
      // again, a bump by another process may have been missed.
      if (this.cluster) this.stale = true;
      this.metrics.add('entity', 'errors');
    }
  }

  private async flushPending(): Promise<void> {
    if (this.pending.size === 0) return;
    const tags = [...this.pending];
    this.pending.clear();
    await this.invalidate(tags);
  }

  version(tags: readonly string[]): string {
    return [this.generation ?? '', ...tags.map((t) => this.versions.get(t) ?? 0)].join('.');
  }

  epoch(): string {
    let sum = 0;
    for (const v of this.versions.values()) sum += v;
    return `${this.generation ?? ''}.${sum}`;
  }

  async invalidate(tags: readonly string[]): Promise<void> {
    if (tags.length === 0) return;
    // This instance stops using what it has at once, whatever happens to the broadcast.
    for (const t of tags) this.versions.set(t, (this.versions.get(t) ?? 0) + 1);
    try {
      if (this.redis.status !== 'ready') throw new Error('Redis not ready');
      const pipeline = this.redis.pipeline();
      for (const t of tags) pipeline.hincrby(this.hashKey, t, 1);
      const results = (await pipeline.exec()) ?? [];
      // A cluster client is "ready" while the hash's master is away: its failure shows here only
      // (kept pending, the heal loop retries it).
      const failed = this.cluster ? results.find(([error]) => error) : undefined;
      if (failed) throw failed[0];
      const versions: Record<string, number | string | null> = { [GENERATION_FIELD]: this.generation };
      tags.forEach((t, i) => {
        const value = results[i]?.[1];
        if (typeof value === 'number') versions[t] = value;
      });
      this.apply(versions);
      await this.redis.publish(this.channel, JSON.stringify(versions));
      this.metrics.add('entity', 'invalidations', tags.length);
    } catch {
      for (const t of tags) this.pending.add(t);
      this.metrics.add('entity', 'errors');
    }
  }

  async observe(tags: readonly string[]): Promise<void> {
    if (tags.length > 0) await this.reload();
  }

  ready(): Promise<void> {
    return this.loaded;
  }

  consistent(): boolean {
    return !this.stale && this.pending.size === 0;
  }

  async close(): Promise<void> {
    if (this.heal) clearInterval(this.heal);
    this.subscriber.disconnect();
  }
}

/** One cache layer of a process: its store, the invalidation bus, the counters, the key prefix. */
export interface Caching {
  store: CacheStore;
  bus: InvalidationBus;
  metrics: CacheMetrics;
  /** Prepended to every key (`lt:` by default; tests use one of their own per run). */
  prefix: string;
  /** Redis connections to close on shutdown. */
  close(): Promise<void>;
  /** "ok", or "degraded" while Redis is unreachable or invalidations are pending. */
  health(): 'ok' | 'degraded';
}

/**
 * A cache layer on Redis when `redis` is given (one server or a cluster; shared by every instance,
 * invalidated across them), else on an in-process LRU (the embedded default: nothing to install). Instances that
 * share `metrics` or `bus` may be passed in to share them between layers of one process.
 */
export function createCaching(options: {
  redis?: RedisTarget | undefined;
  prefix: string;
  layer: CacheLayer;
  metrics?: CacheMetrics;
  bus?: InvalidationBus;
  maxEntries?: number;
  onError?: (error: Error) => void;
}): Caching {
  const metrics = options.metrics ?? new CacheMetrics();
  if (!options.redis) {
    const bus = options.bus ?? new MemoryBus(metrics);
    return {
      store: new MemoryStore(options.layer, metrics, options.maxEntries),
      bus,
      metrics,
      prefix: options.prefix,
      close: async () => undefined,
      health: () => 'ok',
    };
  }
  const onError = options.onError ?? (() => undefined);
  const redis = createRedis(options.redis, { onError, autoPipelining: true });
  const subscriber = options.bus ? null : createRedis(options.redis, { onError, commandTimeoutMs: 1_000 });
  const bus = options.bus ?? new RedisBus(redis, subscriber!, options.prefix, metrics);
  const store = new RedisStore(redis, options.layer, metrics);
  return {
    store,
    bus,
    metrics,
    prefix: options.prefix,
    close: async () => {
      if (!options.bus) await bus.close();
      redis.disconnect();
    },
    health: () => (store.healthy() && bus.consistent() ? 'ok' : 'degraded'),
  };
}
