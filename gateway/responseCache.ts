import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import { GRAPHQL_VARY } from './door';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { AuditLog } from '../shared/audit';
import type { Caching } from '../shared/cache';
import type { EarlyResponse, RequestInfo } from '../shared/http';
import type { Identity } from '../shared/auth/identity';
import { NO_SCOPE, scopeKeyOf } from '../shared/auth/jurisdiction';
import { refusalFor } from '../shared/auth/personalData';
import type { Logger } from '../shared/observability/logger';
import type { Authenticate } from './auth';
import { purposeFrom, type GatewayContext } from './context';

/**
 * The gateway's response cache, answered before GraphQL parsing and query planning.
 *
 * Key: the raw POST body (sha256), the data epoch of the invalidation bus (any invalidated entity
 * type changes it, on every instance) and — for responses the subgraphs hinted PRIVATE — the
 * caller's scope ({@link scopeKeyOf}: the jurisdiction the subgraphs enforce, so all officers of
 * one commune see the same data and two communes never share). Responses hinted PUBLIC are shared
 * by every caller.
 *
 * Personal data stays accounted for: an entry remembers whose records and which fields it holds, and
 * each hit appends its own audit entry (the actual caller, purpose and request id) before a byte
 * is sent; hits without a token or, for officials, without a purpose are not served from the
 * cache but go the normal way (which refuses and audits them). Responses with errors or with a
 * denied read are never stored.
 */
export interface CachedResponse {
  body: Buffer;
  scope: 'PUBLIC' | 'PRIVATE';
  /** Absolute expiry, epoch milliseconds (the Cache-Control max-age of a hit counts down to it). */
  expiresAt: number;
  personal: { subjects: string[]; fields: string[] } | null;
}

export interface ResponseCache {
  /** For shared/http/index.ts: answers a hit before anything parses the request. */
  preflight: (req: IncomingMessage, info: RequestInfo) => Promise<EarlyResponse | null>;
  /** Stores cacheable responses after execution. */
  plugin: ApolloServerPlugin<GatewayContext>;
}

const hash = (text: string) => createHash('sha256').update(text).digest('base64url');

export function createResponseCache(options: {
  caching: Caching;
  authenticate: Authenticate;
  auditLog: AuditLog | null;
  log: Logger;
}): ResponseCache {
  const { caching, auditLog, log } = options;
  const { store, metrics } = caching;
  const key = (epoch: string, scope: string, body: string) => `${caching.prefix}r:${epoch}:${scope}:${hash(body)}`;

  const preflight = async (req: IncomingMessage, info: RequestInfo): Promise<EarlyResponse | null> => {
    const body = info.rawBody;
    if (req.method !== 'POST' || body === undefined || !(req.headers['content-type'] ?? '').includes('application/json')) return null;
    if (!caching.bus.consistent()) return null;
    let identity: Identity;
    let purpose: string | null;
    try {
      identity = await options.authenticate(req.headers.authorization);
      purpose = purposeFrom(req.headers['x-purpose']);
    } catch {
      return null; // the normal path answers with the right error
    }
    const epoch = caching.bus.epoch();
    const scope = scopeKeyOf(identity);
    const keys = scope === NO_SCOPE ? [key(epoch, 'pub', body)] : [key(epoch, 'pub', body), key(epoch, scope, body)];
    const [shared, own] = await store.mgetBuffer(keys);
    const raw = shared ?? own;
    if (!raw) {
      metrics.add('response', 'misses');
      return null;
    }
    // Stored as `<metadata JSON>\n<body>`: only the small metadata is decoded on a hit; the body's
    // bytes go to the socket as they came from Redis.
    const newline = raw.indexOf(0x0a);
    const entry = {
      ...(JSON.parse(raw.subarray(0, newline).toString('utf8')) as Omit<CachedResponse, 'body'>),
      body: raw.subarray(newline + 1),
    };
    const remaining = Math.floor((entry.expiresAt - Date.now()) / 1000);
    if (remaining <= 0) return null;
    if (entry.personal) {
      if (refusalFor(identity, { requestId: info.requestId, purpose }, ['BASIC']) || !auditLog) return null;
      try {
        await auditLog.append([
          {
            requestId: info.requestId,
            service: 'gateway',
            actor: identity.subject,
            role: identity.role,
            organisation: identity.organisation,
            purpose,
            subjects: entry.personal.subjects,
            fields: entry.personal.fields,
            outcome: 'ALLOWED',
            reason: null,
          },
        ]);
      } catch (error) {
        log.warn({ err: error }, 'audit append failed: serving the request the normal way');
        return null;
      }
    }
    metrics.add('response', 'hits');
    return {
      status: 200,
      headers: {
        // As Apollo would answer: the GraphQL-over-HTTP media type only to clients that ask for it.
        'content-type': (req.headers.accept ?? '').includes('application/graphql-response+json')
          ? 'application/graphql-response+json; charset=utf-8'
          : 'application/json; charset=utf-8',
        // As door.ts's headers plugin answers a miss: personal data is never kept outside the gateway.
        'cache-control': entry.personal ? 'no-store' : `max-age=${remaining}, ${entry.scope === 'PUBLIC' ? 'public' : 'private'}`,
        vary: GRAPHQL_VARY,
        'x-cache': 'HIT',
      },
      body: entry.body,
    };
  };

  const plugin: ApolloServerPlugin<GatewayContext> = {
    async requestDidStart({ contextValue }) {
      // The epoch at the start: an invalidation while this request runs must not be hidden by it.
      const epoch = caching.bus.epoch();
      const consistent = caching.bus.consistent();
      return {
        async willSendResponse({ response, overallCachePolicy, contextValue: ctx, request }) {
          // A write in a subgraph process: what this gateway cached of it must not be served after this answer.
          if (ctx.changed?.size) await caching.bus.observe([...ctx.changed]);
          const body = ctx.rawBody ?? contextValue.rawBody;
          if (!consistent || body === undefined || request.http?.method !== 'POST') return;
          if (response.body.kind !== 'single' || response.body.singleResult.errors || ctx.personal.denied) return;
          const policy = overallCachePolicy.policyIfCacheable();
          if (!policy || policy.maxAge <= 0) return;
          const scope = policy.scope === 'PRIVATE' ? 'PRIVATE' : 'PUBLIC';
          const personal =
            ctx.personal.subjects.size > 0
              ? { subjects: [...ctx.personal.subjects].sort(), fields: [...ctx.personal.fields].sort() }
              : null;
          // Personal data is never shared across scopes, whatever a hint says; and needs an audit log to be replayed.
          if (personal && (scope === 'PUBLIC' || !auditLog)) return;
          const meta: Omit<CachedResponse, 'body'> = { scope, expiresAt: Date.now() + policy.maxAge * 1000, personal };
          const value = `${JSON.stringify(meta)}\n${JSON.stringify(response.body.singleResult)}`;
          await store.mset([
            { key: key(epoch, scope === 'PUBLIC' ? 'pub' : scopeKeyOf(ctx.identity), body), value, ttlSeconds: policy.maxAge },
          ]);
        },
      };
    },
  };

  return { preflight, plugin };
}

/** Apollo's KeyValueCache over a cache store, for automatic persisted queries. */
export function keyValueCache(caching: Caching, namespace: string): KeyValueCache<string> {
  return {
    get: async (k) => (await caching.store.get(`${caching.prefix}${namespace}:${k}`)) ?? undefined,
    set: async (k, value, opts) =>
      caching.store.mset([{ key: `${caching.prefix}${namespace}:${k}`, value, ttlSeconds: opts?.ttl ?? 86_400 }]),
    delete: async (k) => caching.store.del([`${caching.prefix}${namespace}:${k}`]),
  };
}
