import Redis, { Cluster } from 'ioredis';

/** One node of a Redis Cluster, as REDIS_CLUSTER_NODES lists it. */
export interface RedisNode {
  host: string;
  port: number;
}

/**
 * Where the hub's Redis is: a URL names one server (REDIS_URL); `{ cluster }` names some nodes of a
 * Redis Cluster (REDIS_CLUSTER_NODES), from which the client discovers the others.
 */
export type RedisTarget = string | { readonly cluster: readonly RedisNode[] };

/** A client of either kind: every command the hub sends works on both (see {@link isCluster} for the few that differ). */
export type RedisClient = Redis | Cluster;

export interface RedisClientOptions {
  /** Milliseconds before a command sent fails (default 250: caches must never make a request wait). */
  commandTimeoutMs?: number;
  /** Commands that cannot be sent at once (no connection yet) fail rather than wait. Default false. */
  offlineQueue?: boolean;
  /** Retries of a command whose connection dropped (default 0). */
  maxRetriesPerRequest?: number;
  /**
   * Cluster only: commands issued in one turn of the event loop go out as one pipeline per node
   * (`enableAutoPipelining`), which is what lets a cache read many keys of many slots with
   * single-key commands as cheaply as one MGET (a multi-key command must stay within one slot).
   * For clients that send only commands whose first argument is their key (the client picks the
   * node by it): not for XREAD.
   */
  autoPipelining?: boolean;
  onError?: (error: Error) => void;
}

/**
 * Every Redis client of the hub comes from here, the one place that tells one server from a cluster.
 * Both kinds fail fast instead of queueing while Redis is away (bounded command and connection
 * timeouts, reconnection in the background).
 */
export function createRedis(target: RedisTarget, options: RedisClientOptions = {}): RedisClient {
  const commandTimeout = options.commandTimeoutMs ?? 250;
  const enableOfflineQueue = options.offlineQueue ?? false;
  const maxRetriesPerRequest = options.maxRetriesPerRequest ?? 0;
  const redis: RedisClient =
    typeof target === 'string'
      ? new Redis(target, {
          enableOfflineQueue,
          maxRetriesPerRequest,
          commandTimeout,
          connectTimeout: 1_000,
          enableReadyCheck: true,
          retryStrategy: (times) => Math.min(100 * times, 2_000),
        })
      : new Cluster(
          target.cluster.map((n) => ({ host: n.host, port: n.port })),
          {
            enableOfflineQueue,
            enableReadyCheck: true,
            enableAutoPipelining: options.autoPipelining ?? false,
            clusterRetryStrategy: (times) => Math.min(100 * times, 2_000),
            // A command for a master that went away fails after ~100 ms (three tries 30 ms apart)
            // instead of waiting out the failover (ioredis advises retryDelayOnFailover ×
            // maxRedirections > cluster-node-timeout for commands that must not fail): every use
            // here has its fallback (the database, the in-memory limiter, the pending bumps and
            // events), and a request must not wait seconds for a cache. Once the replica took
            // over, the MOVED answers refresh the client's slot map.
            retryDelayOnFailover: 30,
            retryDelayOnClusterDown: 100,
            maxRedirections: 3,
            slotsRefreshTimeout: 1_000,
            redisOptions: { commandTimeout, connectTimeout: 1_000, maxRetriesPerRequest },
          },
        );
  redis.on('error', (error: Error) => options.onError?.(error));
  return redis;
}

/** Where `target` is, for messages: `host:port` of the server, or `cluster host:port,…`. */
export function redisLabel(target: RedisTarget): string {
  return typeof target === 'string' ? new URL(target).host : `cluster ${target.cluster.map((n) => `${n.host}:${n.port}`).join(',')}`;
}

/** Whether `redis` talks to a Redis Cluster (multi-key commands then need keys of one slot). */
export function isCluster(redis: RedisClient): redis is Cluster {
  return redis instanceof Cluster;
}

/**
 * The servers that hold keys: every master of a cluster, or the one server. Commands that do not
 * name a key (SCAN, KEYS, FLUSHDB) reach one node only: they must be sent to each of these.
 */
export function keyHolders(redis: RedisClient): Redis[] {
  return isCluster(redis) ? redis.nodes('master') : [redis];
}

/** Every key matching `pattern` (SCAN, never KEYS), on every master of a cluster. */
export async function scanKeys(redis: RedisClient, pattern: string): Promise<string[]> {
  const found: string[] = [];
  for (const node of keyHolders(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      found.push(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
  return found;
}

/**
 * Deletes keys that may lie in different slots: one DEL for a single server, one DEL per key for a
 * cluster (where a DEL of keys in several slots is refused: CROSSSLOT), sent at once.
 */
export async function delKeys(redis: RedisClient, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  if (isCluster(redis)) await Promise.all(keys.map((k) => redis.del(k)));
  else await redis.del(...keys);
}

/** Deletes every key matching `pattern` on every master (test cleanup, invalidation by prefix). */
export async function deleteMatching(redis: RedisClient, pattern: string): Promise<number> {
  const keys = await scanKeys(redis, pattern);
  for (let i = 0; i < keys.length; i += 1000) await delKeys(redis, keys.slice(i, i + 1000));
  return keys.length;
}
