import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { entityTtls, entityTypes } from '../../hub';
import { createRedis, deleteMatching, type RedisTarget } from '../../shared/cache';
import { createEntityCaching, type EntityCaching } from '../../shared/cache/entityCache';

/** The Redis the cache suites use (CI starts it; `TEST_REDIS_URL` overrides it). */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix of this test run's own: `lt-test-<pid>-<random>:`, so runs never share entries. */
export function testPrefix(): string {
  return `lt-test-${process.pid}-${randomBytes(4).toString('hex')}:`;
}

/** The Redis prefixes this test file used, by Redis target (see {@link dropTestKeys}). */
const usedPrefixes = new Map<string, { target: RedisTarget; prefixes: Set<string> }>();

/** Remembers that `prefix` was used on `target`, for {@link dropTestKeys}. */
export function usePrefix(target: RedisTarget, prefix: string): string {
  const id = JSON.stringify(target);
  const used = usedPrefixes.get(id) ?? { target, prefixes: new Set<string>() };
  usedPrefixes.set(id, used);
  used.prefixes.add(prefix);
  return prefix;
}

/** A fresh {@link testPrefix} for processes this file starts on the Redis at `redisUrl`; {@link dropTestKeys} deletes its keys. */
export function redisTestPrefix(redisUrl: string): string {
  return usePrefix(redisUrl, testPrefix());
}

/**
 * An enabled entity cache with a prefix of its own: on the in-process LRU (the test helpers'
 * default), or on the Redis server or cluster `redis` (call {@link dropTestKeys} once the file is done).
 */
export function testCaching(options: { redis?: RedisTarget | undefined; prefix?: string } = {}): EntityCaching {
  const prefix = options.prefix ?? testPrefix();
  if (options.redis) usePrefix(options.redis, prefix);
  return createEntityCaching({ prefix, ttls: entityTtls(), ...(options.redis ? { redis: options.redis } : {}) });
}

/**
 * Deletes every key this test file wrote in the run's Redis (entries expire; the versions hash
 * would not): SCAN on every master of a cluster. Call it before stopping a cluster of the test's own.
 */
export async function dropTestKeys(): Promise<void> {
  for (const { target, prefixes } of usedPrefixes.values()) {
    if (typeof target === 'string' && !(await redisAvailable(target))) continue;
    const redis = createRedis(target, { commandTimeoutMs: 2_000, offlineQueue: true });
    try {
      await new Promise<void>((resolve, reject) => {
        redis.once('ready', resolve);
        setTimeout(() => reject(new Error('Redis not ready for the cleanup')), 5_000).unref();
      });
      for (const prefix of prefixes) await deleteMatching(redis, `${prefix}*`);
    } catch {
      // A Redis that went away took the keys with it.
    } finally {
      redis.disconnect();
    }
  }
  usedPrefixes.clear();
}

/** Makes every cached entity unreachable: the next reads are cold (statement-count tests). */
export function coldCache(cache: EntityCaching): Promise<void> {
  return cache.bus.invalidate(entityTypes());
}

/**
 * Whether Redis answers PING at `url` (a bare socket: nothing lingers after a refusal). When it
 * does not, suites that need it skip with a notice, except in CI (`CI=true`), where globalSetup fails.
 */
export function redisAvailable(url = TEST_REDIS_URL): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 6379) });
    const done = (up: boolean) => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/** The Redis of this run (see globalSetup), or undefined when none was reachable outside CI. */
export const RUN_REDIS_URL: string | undefined = process.env.LT_TEST_REDIS_URL;

/** `describe` when the run has Redis, else `describe.skip` (globalSetup printed why). */
export function describeWithRedis(name: string, suite: () => void): void {
  (RUN_REDIS_URL ? describe : describe.skip)(name, suite);
}

/** Whether the `redis-server` binary is installed (the stop/start suites run one of their own); in CI it must be. */
export function redisServerInstalled(): boolean {
  const found = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!found && process.env.CI === 'true')
    throw new Error('CI=true but redis-server is not installed: the Redis stop/start suites need it');
  if (!found) console.warn('\n[tests] redis-server is not installed: the Redis stop/start tests are skipped.\n');
  return found;
}

export { freePort } from '../../hub/processes';

/**
 * A Redis server of the test's own (no persistence) that can be stopped and started again on the
 * same port, to see the caches lose and regain it.
 */
export class OwnRedis {
  private child: ChildProcess | null = null;
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    this.child = child;
    const deadline = Date.now() + 10_000;
    // Answering is not enough: the free port may have been taken meanwhile by another suite's
    // server (suites run side by side), whose Redis would then answer for ours; it must be our process.
    while (!((await redisAvailable(this.url)) && this.answeringPid() === child.pid)) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode} on port ${this.port}`);
      if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${this.port} within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The process id of the Redis answering on this port (INFO server), or null. */
  private answeringPid(): number | null {
    const info = spawnSync('redis-cli', ['-p', String(this.port), 'INFO', 'server'], { encoding: 'utf8', timeout: 5_000 });
    const pid = /process_id:(\d+)/.exec(info.stdout ?? '')?.[1];
    return pid ? Number(pid) : null;
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}

/**
 * Polls `condition` (every `intervalMs`; 0: at every turn of the event loop) until it holds;
 * resolves with the milliseconds it took since `since` (default: now), rejects after `timeoutMs`.
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  options: { intervalMs?: number; since?: bigint } = {},
): Promise<number> {
  const since = options.since ?? process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - since) / 1e6;
  while (!(await condition())) {
    if (elapsed() > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => (options.intervalMs === 0 ? setImmediate(resolve) : setTimeout(resolve, options.intervalMs ?? 10)));
  }
  return Math.round(elapsed() * 10) / 10;
}
