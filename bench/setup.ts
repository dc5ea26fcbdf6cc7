import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { JWK } from 'jose';
import { Client } from 'pg';
import { mintDevToken } from '../shared/auth/devTokens';
import { loadConfig, type Config } from '../shared/config';
import { writeKeyFiles } from '../shared/auth/keys';
import { ensureDatabase, prepareDataset, siblingDatabase, type Dataset } from './dataset';
import type { Lifecycle, Progress } from './lifecycle';
import type { Mode } from './report';

/**
 * What the bench prepares before it measures: its PostgreSQL and Redis checked, the data set
 * seeded or reused, production keys and a token, and the environment of a gateway process.
 */

/** The `X-Purpose` of every request the bench sends. */
export const PURPOSE = 'BENCH-2026-0001';

/** Where the bench connects (DATABASE_URL, REDIS_URL), and the key prefix of this run's caches. */
export interface Services {
  databaseUrl: string;
  redisUrl: string;
  /** `ltbench:<run>:`; each mode adds its own part, so every mode starts on an empty cache. */
  cachePrefix: string;
}

/** `url` with its credentials hidden, for printing. */
export const redacted = (url: string) => url.replace(/\/\/[^@/]*@/, '//…@');

/** Unlinks the keys matching `pattern` (SCAN, never KEYS: the Redis may be shared). */
async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  for await (const keys of redis.scanStream({ match: pattern, count: 1_000 }) as AsyncIterable<string[]>) {
    if (keys.length > 0) await redis.unlink(...keys);
  }
}

/**
 * Checks Redis, then creates the PostgreSQL database if it is missing: run first, so a missing
 * server fails in a second, not after the seeding. The run's cache keys are deleted when the
 * lifecycle stops (they would only expire later). Resolves to the Redis version, for the report.
 */
export async function checkServices(services: Services, lifecycle: Lifecycle, progress: Progress): Promise<string> {
  const { databaseUrl, redisUrl, cachePrefix } = services;
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 2_000 });
  redis.on('error', () => undefined);
  let redisVersion: string;
  try {
    await redis.connect();
    redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?';
  } catch (error) {
    redis.disconnect();
    throw new Error(`Redis at ${redacted(redisUrl)} is not reachable (${(error as Error).message}); set REDIS_URL`, { cause: error });
  }
  lifecycle.onStop(async () => {
    await deleteKeys(redis, `${cachePrefix}*`).catch(() => undefined);
    redis.disconnect();
  });
  const { created } = await ensureDatabase(databaseUrl).catch((error: Error) => {
    throw new Error(`PostgreSQL at ${redacted(databaseUrl)}: ${error.message}; set DATABASE_URL`, { cause: error });
  });
  progress(`database ${redacted(databaseUrl)}${created ? ' (created)' : ''}, Redis ${redacted(redisUrl)}`);
  return redisVersion;
}

/** Seeds `databaseUrl` up to `residents` (or reuses it), printing the seeding's progress every tenth. */
export function seedWithProgress(databaseUrl: string, residents: number, seed: number, progress: Progress): Promise<Dataset> {
  let lastTenth = -1;
  return prepareDataset(databaseUrl, {
    residents,
    seed,
    onProgress: (done, total) => {
      const tenth = Math.floor((10 * done) / total);
      if (tenth === lastTenth) return;
      lastTenth = tenth;
      progress(`seeding: ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} residents`);
    },
  });
}

/** The main data set: migrated, seeded or reused, and its densest commune named. */
export async function prepareMainDataset(databaseUrl: string, residents: number, seed: number, progress: Progress): Promise<Dataset> {
  progress(`data set: migrating, then checking for ${residents.toLocaleString('en-US')} residents`);
  const dataset = await seedWithProgress(databaseUrl, residents, seed, progress);
  const dense = dataset.communes[0]!;
  progress(
    `${dataset.residents.toLocaleString('en-US')} residents ${dataset.reused ? '(reused)' : `(seeded in ${dataset.seedSeconds.toFixed(1)} s)`}; ` +
      `densest commune ${dense.code} (${dense.residents} residents), ${dataset.communes.length} communes with residents`,
  );
  return dataset;
}

/** The `--large` data set, in `<database>_large` next to the main one (created once, then reused). */
export function prepareLargeDataset(
  databaseUrl: string,
  residents: number,
  seed: number,
  progress: Progress,
): Promise<{ url: string; dataset: Dataset }> {
  return prepareSiblingDataset(databaseUrl, 'large', residents, seed, progress);
}

/**
 * A data set of `residents` in `<database>_<suffix>` next to the main one, seeded once and then
 * reused. A missing database is made as a copy of `template` (a smaller data set of the same seed,
 * e.g. the scale part's 1 M for its 5 M) when given: the seeder is prefix-stable, so it only adds
 * the households beyond the copy's, and the result is the data set seeding from empty would make.
 */
export async function prepareSiblingDataset(
  databaseUrl: string,
  suffix: string,
  residents: number,
  seed: number,
  progress: Progress,
  template?: string,
): Promise<{ url: string; dataset: Dataset }> {
  const url = siblingDatabase(databaseUrl, suffix);
  const started = Date.now();
  const { created } = await ensureDatabase(url, template && new URL(template).pathname.slice(1));
  if (created && template) progress(`copied ${redacted(template)} to ${redacted(url)} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  progress(`data set of ${residents.toLocaleString('en-US')} residents in ${redacted(url)}`);
  const dataset = await seedWithProgress(url, residents, seed, progress);
  progress(
    `${dataset.residents.toLocaleString('en-US')} residents ${dataset.reused ? '(reused)' : `(seeded in ${dataset.seedSeconds.toFixed(1)} s)`}`,
  );
  return { url, dataset };
}

/** The PostgreSQL server's version, for the report. */
export async function postgresVersion(databaseUrl: string): Promise<string> {
  const pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  const version = (await pg.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? '?';
  await pg.end();
  return version;
}

/** The key files a gateway reads, and the headers of a central officer's requests signed with them. */
export interface BenchAuth {
  keyFiles: Awaited<ReturnType<typeof writeKeyFiles>>;
  authConfig: Config;
  /** A CENTRAL officer's bearer token (2 h) and the bench's {@link PURPOSE}. */
  headers: Record<string, string>;
}

/** Production keys, as a deployment gets them (shared/auth/keys.ts), in a temporary folder removed when the lifecycle stops. */
export async function prepareAuth(lifecycle: Lifecycle): Promise<BenchAuth> {
  const keyDir = mkdtempSync(join(tmpdir(), 'lien-thong-bench-keys-'));
  lifecycle.onStop(() => rmSync(keyDir, { recursive: true, force: true }));
  const keyFiles = await writeKeyFiles(keyDir);
  const authConfig = loadConfig({});
  const token = await mintDevToken(
    JSON.parse(readFileSync(keyFiles.issuerPrivate, 'utf8')) as JWK,
    authConfig,
    { role: 'CENTRAL', sub: 'bench-central-1', org: 'Bộ Công an' },
    '2h',
  );
  return { keyFiles, authConfig, headers: { authorization: `Bearer ${token}`, 'x-purpose': PURPOSE } };
}

/** The environment of a gateway process in `mode`: embedded on PostgreSQL, production settings. */
export type GatewayEnv = (mode: Exclude<Mode, 'bare'>) => Record<string, string>;

/** {@link GatewayEnv} for these services and keys. */
export function gatewayEnvironment(services: Services, auth: BenchAuth): GatewayEnv {
  const { keyFiles, authConfig } = auth;
  return (mode) => ({
    PORT: '0',
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
    // The scenarios send text: a production gateway told so (its default runs published documents only).
    TRUSTED_DOCUMENTS: 'off',
    LOG_LEVEL: 'warn',
    DATABASE_URL: services.databaseUrl,
    REDIS_URL: services.redisUrl,
    RATE_LIMIT_POINTS: '0',
    CACHE_ENABLED: mode === 'off' ? 'false' : 'true',
    // A key space of its own per run and mode: every mode starts on an empty cache.
    CACHE_PREFIX: `${services.cachePrefix}${mode}:`,
    AUTH_ISSUER: authConfig.AUTH_ISSUER,
    AUTH_AUDIENCE: authConfig.AUTH_AUDIENCE,
    AUTH_JWKS_FILE: keyFiles.issuerJwks,
    AUTH_JWKS_URL: '',
    INTERNAL_PRIVATE_KEY_FILE: keyFiles.internalPrivate,
    INTERNAL_PUBLIC_KEY_FILE: keyFiles.internalPublic,
    // Embedded mode: no subgraph URLs, whatever the calling shell exports.
    ADMINISTRATIVE_UNITS_URL: '',
    POPULATION_URL: '',
    LAND_URL: '',
    ENTERPRISE_URL: '',
  });
}
