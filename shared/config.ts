import { join } from 'node:path';
import { z } from 'zod';

/** Repository root, found relative to this file (never the working directory). */
export const REPO_ROOT = join(__dirname, '..');

const port = z.coerce.number().int().min(0).max(65535);

/** The entity types the caches tag their entries with (invalidating one makes every entry holding such an entity unreachable). */
export const ENTITY_TYPES = [
  'Province',
  'Commune',
  'LegacyUnit',
  'Resident',
  'Household',
  'LandParcel',
  'Enterprise',
  'LandUseType',
  'Procedure',
  'Department',
  'Dossier',
] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

/**
 * How long an entity stays cached, in seconds, unless CACHE_TTLS says otherwise. Official units and
 * the land-use classification change by decree, and their import invalidates them: a day. The
 * enterprise register and land records change through procedures that take days: 15 minutes.
 * Residents and households are personal data and change the same day (residence, household):
 * kept 5 minutes, no longer than useful.
 */
export const ENTITY_TTL_DEFAULTS: Readonly<Record<EntityType, number>> = {
  Province: 86_400,
  Commune: 86_400,
  LegacyUnit: 86_400,
  LandUseType: 86_400,
  Enterprise: 900,
  LandParcel: 900,
  Resident: 300,
  Household: 300,
  Procedure: 86_400,
  Department: 86_400,
  Dossier: 60,
};
const url = z.url();

/**
 * Every setting of every entrypoint, parsed once. Entrypoints call {@link loadConfig} with
 * `process.env`; nothing else reads the environment.
 */
const settings = z.object({
  PORT: port.default(4000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: url.optional(),
  PGLITE_DIR: z
    .string()
    .min(1)
    .default(join(REPO_ROOT, '.data', 'pglite')),
  ADMINISTRATIVE_UNITS_URL: url.optional(),
  POPULATION_URL: url.optional(),
  LAND_URL: url.optional(),
  ENTERPRISE_URL: url.optional(),
  PUBLIC_SERVICES_URL: url.optional(),
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
   * Seconds an entity stays cached, per type, as `Type=seconds,…` overriding the defaults of
   * {@link ENTITY_TTL_DEFAULTS} (e.g. `Resident=120,Enterprise=3600`).
   */
  CACHE_TTLS: z
    .string()
    .default('')
    .transform((s, ctx) => {
      const ttls: Record<EntityType, number> = { ...ENTITY_TTL_DEFAULTS };
      for (const item of s
        .split(',')
        .map((i) => i.trim())
        .filter(Boolean)) {
        const [type, seconds] = item.split('=').map((p) => p.trim());
        if (!(ENTITY_TYPES as readonly string[]).includes(type ?? '') || !/^[1-9]\d{0,6}$/.test(seconds ?? '')) {
          ctx.addIssue({ code: 'custom', message: `"${item}" is not Type=seconds with Type one of ${ENTITY_TYPES.join(', ')}` });
          continue;
        }
        ttls[type as EntityType] = Number(seconds);
      }
      return ttls;
    }),
  /** Seconds a "no such record" answer stays cached, so repeated unknown keys do not reach the database. */
  CACHE_NEGATIVE_TTL_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /** Requests per client per window at the gateway (0 turns the limit off). */
  RATE_LIMIT_POINTS: z.coerce.number().int().min(0).default(300),
  RATE_LIMIT_DURATION_SECONDS: z.coerce.number().int().min(1).default(60),
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
});

/** Defaults that depend on other settings. */
const schema = settings.transform(({ EXPLORER_ENABLED, ...config }) => ({
  ...config,
  EXPLORER_ENABLED: EXPLORER_ENABLED ?? config.NODE_ENV !== 'production',
}));

export type Config = z.infer<typeof schema>;

/** Parses the environment, reporting every bad variable at once. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}

/** The variable that holds a subgraph's URL: `administrative-units` → `ADMINISTRATIVE_UNITS_URL`. */
export function urlVariable(service: string): string {
  return `${service.toUpperCase().replace(/-/g, '_')}_URL`;
}

/** Every subgraph's URL setting by service name, undefined where not set. */
export function subgraphUrlSettings(config: Config): Record<string, string | undefined> {
  return {
    'administrative-units': config.ADMINISTRATIVE_UNITS_URL,
    population: config.POPULATION_URL,
    land: config.LAND_URL,
    enterprise: config.ENTERPRISE_URL,
    'public-services': config.PUBLIC_SERVICES_URL,
  };
}

/** The subgraph URLs the gateway was given, by service name; empty means embedded mode. */
export function subgraphUrls(config: Config): Record<string, string> {
  const entries = Object.entries(subgraphUrlSettings(config));
  const given = entries.filter(([, u]) => u !== undefined);
  if (given.length > 0 && given.length < entries.length) {
    const missing = entries.filter(([, u]) => u === undefined).map(([n]) => urlVariable(n));
    throw new Error(`Invalid configuration: set all subgraph URLs or none; missing ${missing.join(', ')}`);
  }
  return Object.fromEntries(given) as Record<string, string>;
}
