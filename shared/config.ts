import { join } from 'node:path';
import { z } from 'zod';
import type { RedisNode, RedisTarget } from './cache/redis';

/** Repository root, found relative to this file (never the working directory). */
export const REPO_ROOT = join(__dirname, '..');

const port = z.coerce.number().int().min(0).max(65535);

/**
 * What configuration needs to know of a subgraph, declared in its own module (shared/subgraph):
 * its name (whose URL variable is {@link urlVariable}), its port as its own process, and the
 * entity types it owns with their default cache TTL in seconds.
 */
export interface SubgraphDescriptor {
  /** Service name in the supergraph, kebab-case (`administrative-units`). */
  name: string;
  /** The port it listens on when run as its own process (docker-compose, the composed supergraph's URLs). */
  port: number;
  /**
   * The entity types whose records it owns, each with the seconds an entry stays cached unless
   * CACHE_TTLS says otherwise. The caches tag their entries with them; writes and imports
   * invalidate them.
   */
  entityTypes: Readonly<Record<string, number>>;
}

/** An entity type's name: a GraphQL type of the supergraph that a subgraph owns (see {@link SubgraphDescriptor}). */
export type EntityType = string;

const url = z.url();

/** `host:port` (a name, an IPv4 address or a bracketed IPv6 one). */
const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}[A-Za-z0-9])?):(\d{1,5})$/;

/** A comma-separated list of `host:port`, every bad item named. */
const redisNodes = z.string().transform((s, ctx): RedisNode[] => {
  const nodes: RedisNode[] = [];
  for (const item of s.split(',').map((i) => i.trim())) {
    const match = HOST_PORT.exec(item);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65535) {
      ctx.addIssue({ code: 'custom', message: `"${item}" is not host:port (a comma-separated list of the cluster's nodes)` });
      continue;
    }
    nodes.push({ host: match[1]!.replace(/^\[|\]$/g, ''), port });
  }
  return nodes;
});

/**
 * Every setting of every entrypoint, parsed once. Entrypoints call {@link loadConfig} with
 * `process.env`; nothing else reads the environment.
 */
const settings = z.object({
  PORT: port.default(4000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: url.optional(),
  /**
   * A streaming replica of DATABASE_URL's server (shared/db/replica.ts): reads go there, writes and
   * read-your-writes paths to the primary; reads fall back to the primary while it is down or lags
   * more than DATABASE_REPLICA_MAX_LAG_SECONDS.
   */
  DATABASE_REPLICA_URL: url.optional(),
  DATABASE_REPLICA_MAX_LAG_SECONDS: z.coerce.number().min(0).max(3_600).default(10),
  PGLITE_DIR: z
    .string()
    .min(1)
    .default(join(REPO_ROOT, '.data', 'pglite')),
  SEED_RESIDENTS: z.coerce.number().int().min(0).default(10_000),
  SEED: z.coerce.number().int().min(0).default(1),
  /** Identity provider of users' tokens: issuer and audience they must carry, and its keys. */
  AUTH_ISSUER: z.string().min(1).default('lien-thong-dev'),
  AUTH_AUDIENCE: z.string().min(1).default('lien-thong'),
  AUTH_JWKS_FILE: z.string().min(1).optional(),
  AUTH_JWKS_URL: url.optional(),
  AUTH_ALGORITHMS: z
    .string()
    .default('ES256,RS256,EdDSA')
    .transform((s) => s.split(',').map((a) => a.trim()))
    .pipe(z.array(z.enum(['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA'])).min(1)),
  /** The gateway's internal key pair (JWK files): the private half on gateways, the public half on subgraphs. */
  INTERNAL_PRIVATE_KEY_FILE: z.string().min(1).optional(),
  INTERNAL_PUBLIC_KEY_FILE: z.string().min(1).optional(),
  /** Subgraphs: the service key pair (JWK files) with which they ask each other whether records a write refers to exist. */
  INTERNAL_SERVICE_PRIVATE_KEY_FILE: z.string().min(1).optional(),
  INTERNAL_SERVICE_PUBLIC_KEY_FILE: z.string().min(1).optional(),
  /**
   * The audit log's checkpoint key pair (JWK files; shared/audit/checkpoint.ts): the private half on
   * the processes that take checkpoints, the public half (a JWK or a JWKS) wherever `audit verify` runs.
   */
  AUDIT_CHECKPOINT_PRIVATE_KEY_FILE: z.string().min(1).optional(),
  AUDIT_CHECKPOINT_PUBLIC_KEY_FILE: z.string().min(1).optional(),
  /** Seconds between checkpoints of the audit log's head, on processes with the private key; 0 takes none. */
  AUDIT_CHECKPOINT_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
  /**
   * The owner role's URL, for migrations only (`npm run cli -- migrate`): serving processes connect
   * with their own least-privileged role in DATABASE_URL and never use it (shared/db/roles.ts).
   */
  DATABASE_OWNER_URL: url.optional(),
  /** Prefix of the serving roles `migrate --roles` creates and grants: `<prefix><schema>`, `<prefix>gateway`. */
  DATABASE_ROLE_PREFIX: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,30}$/, 'lowercase letters, digits and _, at most 31')
    .default('lien_thong_'),
  /**
   * Passwords the migration job sets on the serving roles it creates (`role=password,…`); without
   * it they have none (certificate or peer authentication, or ALTER ROLE by the DBA).
   */
  DATABASE_ROLE_PASSWORDS: z
    .string()
    .transform((text, ctx) => {
      const pairs = text.split(',').map((pair) => /^([a-z_][a-z0-9_]{0,62})=(.+)$/.exec(pair.trim()));
      if (pairs.some((p) => !p)) ctx.addIssue({ code: 'custom', message: 'a comma-separated list of role=password' });
      return Object.fromEntries(pairs.filter((p) => p !== null).map((p) => [p[1]!, p[2]!]));
    })
    .optional(),
  /** Where development keys are generated when none are configured (never in production). */
  DEV_KEYS_DIR: z
    .string()
    .min(1)
    .default(join(REPO_ROOT, '.data', 'dev-keys')),
  /**
   * Redis for the gateway's shared rate limits and the caches (shared by every instance,
   * invalidated across them); without it each process counts and caches in memory.
   */
  REDIS_URL: url.optional(),
  /**
   * A Redis Cluster instead (never with REDIS_URL): some of its nodes as `host:port,host:port`; the
   * client discovers the others. Every use of Redis above works on it unchanged.
   */
  REDIS_CLUSTER_NODES: redisNodes.optional(),
  /** Caches on or off (the entity cache of each subgraph); off, every read goes to the database. */
  CACHE_ENABLED: z
    .enum(['true', 'false', '1', '0'])
    .default('true')
    .transform((v) => v === 'true' || v === '1'),
  /** Prepended to every cache key and to the invalidation bus's keys (several hubs may share one Redis). */
  CACHE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,40}$/, 'letters, digits, _ . : - (at most 40)')
    .default('lt:'),
  /**
   * Seconds an entity stays cached, per type, as `Type=seconds,…` overriding the defaults the
   * subgraphs declare (e.g. `Resident=120,Enterprise=3600`); see {@link loadConfig}.
   */
  CACHE_TTLS: z
    .string()
    .default('')
    .transform((s, ctx) => {
      const ttls: Record<string, number> = {};
      for (const item of s
        .split(',')
        .map((i) => i.trim())
        .filter(Boolean)) {
        const [type, seconds] = item.split('=').map((p) => p.trim());
        if (!/^[A-Z][A-Za-z0-9]{0,63}$/.test(type ?? '') || !/^[1-9]\d{0,6}$/.test(seconds ?? '')) {
          ctx.addIssue({ code: 'custom', message: `"${item}" is not Type=seconds` });
          continue;
        }
        ttls[type!] = Number(seconds);
      }
      return ttls;
    }),
  /** Seconds a "no such record" answer stays cached, so repeated unknown keys do not reach the database. */
  CACHE_NEGATIVE_TTL_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /** Requests per client per window at the gateway (0 turns the limit off). */
  RATE_LIMIT_POINTS: z.coerce.number().int().min(0).default(300),
  RATE_LIMIT_DURATION_SECONDS: z.coerce.number().int().min(1).default(60),
  /** Live subscriptions (gateway/live.ts): open at once per caller (token, or address without one), and per gateway instance; 0 for no limit. */
  LIVE_LIMIT_PER_CALLER: z.coerce.number().int().min(0).default(20),
  LIVE_LIMIT_PER_INSTANCE: z.coerce.number().int().min(0).default(20_000),
  /** Seconds of live events kept for clients that reconnect with Last-Event-ID (Redis Streams, or memory). */
  LIVE_RETENTION_SECONDS: z.coerce.number().int().min(10).max(86_400).default(600),
  /** Seconds between heartbeats on an open live stream (an SSE comment line; a WebSocket ping). */
  LIVE_HEARTBEAT_SECONDS: z.coerce.number().int().min(1).max(300).default(12),
  /** Seconds between the passes of the subgraphs' timed live notices (e.g. dossiers falling due today). */
  LIVE_TIMER_SECONDS: z.coerce.number().int().min(1).max(3_600).default(60),
  /**
   * Hours a write's idempotency key (and its stored result) is kept: a retry within it replays the
   * first result; past it the key is purged (shared/subgraph/retention.ts). At least an hour, at most a year.
   */
  IDEMPOTENCY_RETENTION_HOURS: z.coerce.number().int().min(1).max(8_760).default(72),
  /** Seconds between the passes of the purge of expired idempotency keys, in every process that hosts subgraphs. */
  IDEMPOTENCY_PURGE_SECONDS: z.coerce.number().int().min(10).max(86_400).default(600),
  /**
   * Milliseconds the gateway waits for each subgraph fetch: past it, the response goes out with
   * that subgraph's fields missing and a SUBGRAPH_UNAVAILABLE error naming it.
   */
  SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(1).max(300_000).default(10_000),
  /** Milliseconds in-flight requests have to finish after SIGTERM before they are cut. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(25_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NODE_ENV: z.string().default('development'),
  /**
   * The GraphQL explorer at `/explorer`: on unless NODE_ENV is production (where introspection is
   * off too, so it would show no schema).
   */
  EXPLORER_ENABLED: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1')),
  /**
   * Trusted documents (gateway/trustedDocuments.ts): `enforce` runs only documents published with
   * `npm run cli -- documents publish`, over HTTP and for subscriptions; `off` runs any operation.
   * The default follows NODE_ENV: `enforce` in production, `off` otherwise. A production-mode
   * gateway is audited or demonstrated with text only when told so explicitly (`off`).
   */
  TRUSTED_DOCUMENTS: z.enum(['off', 'enforce']).optional(),
});

/** Defaults that depend on other settings. */
const schema = settings.transform(({ EXPLORER_ENABLED, TRUSTED_DOCUMENTS, ...config }) => ({
  ...config,
  EXPLORER_ENABLED: EXPLORER_ENABLED ?? config.NODE_ENV !== 'production',
  TRUSTED_DOCUMENTS: TRUSTED_DOCUMENTS ?? (config.NODE_ENV === 'production' ? ('enforce' as const) : ('off' as const)),
  /** The hub's Redis, one server (REDIS_URL) or a cluster (REDIS_CLUSTER_NODES); none without either. */
  REDIS: (config.REDIS_CLUSTER_NODES ? { cluster: config.REDIS_CLUSTER_NODES } : config.REDIS_URL) satisfies RedisTarget | undefined,
}));

/**
 * Every setting, plus those derived from the subgraphs the process knows: `SUBGRAPH_URLS` (each
 * subgraph's URL variable, by service name) and `ENTITY_TTLS` (every entity type's cache TTL).
 */
export type Config = z.infer<typeof schema> & {
  SUBGRAPH_URLS: Readonly<Record<string, string | undefined>>;
  ENTITY_TTLS: Readonly<Record<EntityType, number>>;
};

export interface ConfigOptions {
  /** The subgraphs whose settings to read: their URL variables and entity types. */
  subgraphs?: readonly Pick<SubgraphDescriptor, 'name' | 'entityTypes'>[];
  /**
   * The list is the whole registry (gateway, CLI): a CACHE_TTLS entry naming no known type is an
   * error. Otherwise (a subgraph's own process) entries for other types belong to other processes.
   */
  complete?: boolean;
}

/** Parses the environment, reporting every bad variable at once. */
export function loadConfig(env: Record<string, string | undefined>, options: ConfigOptions = {}): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const subgraphs = options.subgraphs ?? [];
  const issues: string[] = [];
  const result = schema.safeParse(cleaned);
  if (!result.success) issues.push(...result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`));
  if (cleaned.REDIS_URL !== undefined && cleaned.REDIS_CLUSTER_NODES !== undefined)
    issues.push('  REDIS_URL, REDIS_CLUSTER_NODES: set one (one Redis server, or the nodes of a Redis Cluster), not both');
  const urls: Record<string, string | undefined> = {};
  for (const { name } of subgraphs) {
    const variable = urlVariable(name);
    const value = cleaned[variable];
    if (value !== undefined && !URL.canParse(value)) issues.push(`  ${variable}: Invalid URL`);
    urls[name] = value;
  }
  const ttls: Record<EntityType, number> = Object.assign({}, ...subgraphs.map((s) => s.entityTypes));
  for (const [type, seconds] of Object.entries(result.data?.CACHE_TTLS ?? {})) {
    if (type in ttls) ttls[type] = seconds;
    else if (options.complete) issues.push(`  CACHE_TTLS: unknown entity type "${type}"; known: ${Object.keys(ttls).join(', ')}`);
  }
  if (result.data?.DATABASE_REPLICA_URL && !result.data.DATABASE_URL)
    issues.push('  DATABASE_REPLICA_URL: needs DATABASE_URL (the primary)');
  if (!result.success || issues.length > 0) throw new Error(`Invalid configuration:\n${issues.join('\n')}`);
  return { ...result.data, SUBGRAPH_URLS: urls, ENTITY_TTLS: ttls };
}

/** The variable that holds a subgraph's URL: `administrative-units` → `ADMINISTRATIVE_UNITS_URL`. */
export function urlVariable(service: string): string {
  return `${service.toUpperCase().replace(/-/g, '_')}_URL`;
}

/** The subgraph URLs the gateway was given, by service name; empty means embedded mode. */
export function subgraphUrls(config: Config): Record<string, string> {
  const entries = Object.entries(config.SUBGRAPH_URLS);
  const given = entries.filter(([, u]) => u !== undefined);
  if (given.length > 0 && given.length < entries.length) {
    const missing = entries.filter(([, u]) => u === undefined).map(([n]) => urlVariable(n));
    throw new Error(`Invalid configuration: set all subgraph URLs or none; missing ${missing.join(', ')}`);
  }
  return Object.fromEntries(given) as Record<string, string>;
}
