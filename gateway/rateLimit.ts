import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { BlockList } from 'node:net';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { createRedis, type RedisClient, type RedisTarget } from '../shared/cache';
import type { RateLimitDecision } from '../shared/http';
import type { Logger } from '../shared/observability/logger';
import { clientAddress } from './clientAddress';

/** Who a request is counted against. */
export type RateLimitKey = (req: IncomingMessage) => string | Promise<string>;

/**
 * The client as we can tell it before authentication: the bearer token (hashed, so no token is
 * ever stored in Redis) if there is one, else its address — behind trusted load balancers
 * (`proxies`, TRUSTED_PROXIES) the one they forward, else the peer's. Meant to be replaced by the
 * verified subject once the gateway authenticates.
 */
export function clientKeyBehind(proxies: BlockList | null): RateLimitKey {
  return (req) => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (match?.[1]) return `token:${createHash('sha256').update(match[1]).digest('base64url')}`;
    return `ip:${clientAddress(req, proxies) ?? 'unknown'}`;
  };
}

/** {@link clientKeyBehind} with no trusted proxy: the peer address. */
export const clientKey: RateLimitKey = clientKeyBehind(null);

export interface RateLimitOptions {
  /** Requests per client per window; 0 turns the limit off. */
  points: number;
  durationSeconds: number;
  /**
   * Shared store: every gateway instance counts in the same keys. Without it, each counts alone. On
   * a cluster each client's count is one key (the limiter's Lua script touches only it), so the
   * counts spread over every slot.
   */
  redis?: RedisClient;
  /** Prefix of the Redis keys (`<prefix>:<key>`); one per deployment, and one per test run. */
  keyPrefix?: string;
  key?: RateLimitKey;
  log: Logger;
}

export const DEFAULT_KEY_PREFIX = 'lt:rate';

/**
 * A per-client fixed-window limit (rate-limiter-flexible) for shared/http/index.ts's `rateLimit` hook.
 * With Redis, limits are shared by all gateway instances; when Redis is down or slow, each
 * instance falls back to its own in-memory count (the insurance limiter) rather than failing or
 * waiting: requests are still limited, per instance, until Redis is back.
 */
export function createRateLimit(options: RateLimitOptions): (req: IncomingMessage) => Promise<RateLimitDecision> {
  const key = options.key ?? clientKey;
  if (options.points <= 0) return async () => ({ allowed: true });
  const limits = { points: options.points, duration: options.durationSeconds, keyPrefix: options.keyPrefix ?? DEFAULT_KEY_PREFIX };
  const memory = new RateLimiterMemory(limits);
  const limiter: RateLimiterAbstract = options.redis
    ? new RateLimiterRedis({
        ...limits,
        storeClient: options.redis,
        // Not connected: go straight to the insurance limiter instead of queueing behind reconnects.
        rejectIfRedisNotReady: true,
        insuranceLimiter: memory,
      })
    : memory;
  return async (req) => {
    try {
      await limiter.consume(await key(req));
      return { allowed: true };
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
      }
      // Neither store answered: let the request through rather than refuse everyone.
      options.log.error({ err: rejection }, 'rate limiter failed');
      return { allowed: true };
    }
  };
}

/**
 * The Redis client for rate limits, set to fail fast: commands time out after 250 ms and are not
 * queued while disconnected, so a Redis outage costs requests nothing but the shared count. It
 * reconnects in the background; errors are logged once per outage, not once per retry.
 */
export function connectRateLimitRedis(target: RedisTarget, log: Logger): RedisClient {
  let down = false;
  const redis = createRedis(target, {
    maxRetriesPerRequest: 1,
    onError: (err) => {
      if (down) return;
      down = true;
      log.warn({ err: err.message }, 'rate-limit Redis unavailable: counting per instance until it is back');
    },
  });
  redis.on('ready', () => {
    if (down) log.info('rate-limit Redis available again');
    down = false;
  });
  return redis;
}
