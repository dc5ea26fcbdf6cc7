import { join } from 'node:path';
import { z } from 'zod';

/** Repository root, found relative to this file (never the working directory). */
export const REPO_ROOT = join(__dirname, '..');

const port = z.coerce.number().int().min(0).max(65535);
const url = z.url();

/**
 * Every setting of every entrypoint, parsed once. Entrypoints call {@link loadConfig} with
 * `process.env`; nothing else reads the environment.
 */
const schema = z.object({
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
  /** Where development keys are generated when none are configured (never in production). */
  DEV_KEYS_DIR: z
    .string()
    .min(1)
    .default(join(REPO_ROOT, '.data', 'dev-keys')),
  /** Redis for the gateway's shared rate limits; without it each instance counts in memory. */
  REDIS_URL: url.optional(),
  /** Requests per client per window at the gateway (0 turns the limit off). */
  RATE_LIMIT_POINTS: z.coerce.number().int().min(0).default(300),
  RATE_LIMIT_DURATION_SECONDS: z.coerce.number().int().min(1).default(60),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NODE_ENV: z.string().default('development'),
});

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

/** The subgraph URLs the gateway was given, by service name; empty means embedded mode. */
export function subgraphUrls(config: Config): Record<string, string> {
  const entries = [
    ['administrative-units', config.ADMINISTRATIVE_UNITS_URL],
    ['population', config.POPULATION_URL],
    ['land', config.LAND_URL],
    ['enterprise', config.ENTERPRISE_URL],
  ] as const;
  const given = entries.filter(([, u]) => u !== undefined);
  if (given.length > 0 && given.length < entries.length) {
    const missing = entries.filter(([, u]) => u === undefined).map(([n]) => `${n.toUpperCase().replace(/-/g, '_')}_URL`);
    throw new Error(`Invalid configuration: set all subgraph URLs or none; missing ${missing.join(', ')}`);
  }
  return Object.fromEntries(given) as Record<string, string>;
}
