import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { loadHubConfig, seededEntityTypes } from '../hub/config';
import { loadSubgraphs } from '../subgraphs';
import { mkdtempSync } from 'node:fs';
import { mintDevToken, type TokenClaims } from '../shared/auth/devTokens';
import { ROLES, type Role } from '../shared/auth/identity';
import { loadOrCreateDevKeys, readJson, writeKeyFiles } from '../shared/auth/keys';
import type { JWK } from 'jose';
import { AUDIT_HELP, auditCommand } from './audit';
import { DOCUMENTS_HELP, documentsCommand } from './documents';
import { createDocumentStore, documentMigrations, redisDocumentCache } from '../shared/documents';
import { CACHE_HELP, cacheCommand } from './cache';
import { createCaching } from '../shared/cache';

/**
 * What only some commands need — the database and TypeORM, the subgraphs' code (seeds, imports),
 * the generators — required when used, not imported: `token`, `keys` and `cache` load none of it.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const hub = () => require('../hub') as typeof import('../hub');
const hubSeed = () => require('../hub/seed') as typeof import('../hub/seed');
const database = () => require('../shared/db') as typeof import('../shared/db');
const importUnits = () => require('./importUnits') as typeof import('./importUnits');
const dossiers = () => require('./dossiers') as typeof import('./dossiers');
const artifacts = () => require('../tools/artifacts') as typeof import('../tools/artifacts');
const migrateCli = () => require('./migrate') as typeof import('./migrate');
const partitionsCli = () => require('./partitions') as typeof import('./partitions');
/* eslint-enable @typescript-eslint/no-require-imports */

const help = () => `Liên Thông command line

  npm run seed -- [--residents N] [--seed S] [--dossiers D]
      Migrates every subgraph's schema, loads the reference data (administrative units, land-use
      types, the procedure catalogue) and seeds N synthetic residents with their households,
      parcels and enterprises, and D dossiers of administrative procedures among them (default
      0.15 per resident: half a year of the national rate).
      Deterministic for a given seed; re-running adds only what is missing. Writes to DATABASE_URL,
      or to the embedded PGlite in PGLITE_DIR when DATABASE_URL is not set.

  npm run cli -- token --role ROLE [--commune CODE] [--province CODE] [--sub ID] [--org NAME] [--ttl 8h] [--key FILE]
      Mints a development token (signed with the generated development issuer key; never in
      production), or with the issuer key FILE written by the keys command (demo deployments).
      ROLE: ${ROLES.join(', ')}. A CITIZEN's --sub is their 12-digit ID.

  npm run cli -- keys --dir DIR
      Writes a fresh key set for a deployment: the gateway's internal key pair (private half for
      gateways, public half for subgraphs), the subgraphs' service pair, the audit checkpoint pair
      and a demonstration token issuer (JWKS + private key).

${migrateCli().MIGRATE_HELP}
${AUDIT_HELP}
${DOCUMENTS_HELP}
${CACHE_HELP}
${importUnits().IMPORT_UNITS_HELP}
${dossiers().DOSSIERS_HELP}
${partitionsCli().PARTITIONS_HELP}
  npm run cli -- compose [--dir DIR]
      Composes the subgraphs' SDL into gateway/supergraph.graphql, then regenerates the schema
      reference docs/schema.md from it (commit both); under DIR instead of the repository to look
      before overwriting. Exit code 1 on composition errors.

  npm run cli -- check [--dir DIR]
      Checks that gateway/supergraph.graphql and docs/schema.md (of the repository, or under DIR)
      are what the sources generate today; exit code 1 naming each stale file and the command
      that rewrites it.
`;

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got "${value}"`);
  return n;
}

async function seed(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { residents: { type: 'string' }, seed: { type: 'string' }, dossiers: { type: 'string' } },
    strict: true,
  });
  const config = loadHubConfig(process.env);
  const residents = positiveInt('residents', values.residents, config.SEED_RESIDENTS);
  const seedNumber = positiveInt('seed', values.seed, config.SEED);
  const dossiers = values.dossiers === undefined ? undefined : positiveInt('dossiers', values.dossiers, 0);
  const { databaseTarget, openHubDatabase } = hub();
  const target = await databaseTarget(config);
  console.log(`Database: ${target.kind === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.PGLITE_DIR}`}`);
  // Running hubs on the same database and Redis must stop serving what they cached before the seed.
  const caching = config.REDIS ? createCaching({ redis: config.REDIS, prefix: config.CACHE_PREFIX, layer: 'entity' }) : null;
  await caching?.bus.ready();
  const db = await openHubDatabase(target, caching ? { bus: caching.bus } : {});
  const bar = new SingleBar(
    {
      format: 'Seeding [{bar}] {percentage}% | {value}/{total} residents | {eta_formatted} left',
      etaBuffer: 50,
      // Without a terminal (CI, a log file) a line every 5 s, and at the start and the end.
      noTTYOutput: true,
      notTTYSchedule: 5_000,
    },
    Presets.shades_classic,
  );
  const started = Date.now();
  bar.start(residents, 0);
  try {
    const counts = await hubSeed().seedSynthetic(db, {
      residents,
      seed: seedNumber,
      ...(dossiers !== undefined ? { dossiers } : {}),
      onProgress: (done) => bar.update(done),
    });
    bar.stop();
    const seconds = (Date.now() - started) / 1000;
    console.log(`Seeded in ${seconds.toFixed(1)} s (seed ${seedNumber}):`, counts);
    await caching?.bus.invalidate(seededEntityTypes(loadSubgraphs()));
  } finally {
    bar.stop();
    await caching?.close();
    await db.destroy();
    if (target.kind === 'pglite') await target.pglite.close();
  }
}

async function token(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      role: { type: 'string' },
      commune: { type: 'string' },
      province: { type: 'string' },
      sub: { type: 'string' },
      org: { type: 'string' },
      ttl: { type: 'string' },
      key: { type: 'string' },
    },
    strict: true,
  });
  const role = values.role as Role | undefined;
  if (!role || !(ROLES as readonly string[]).includes(role)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
  const config = loadHubConfig(process.env);
  if (!values.key && config.NODE_ENV === 'production') {
    throw new Error(
      'In production tokens come from the identity provider; for a demo deployment pass --key with the issuer key written by `keys`',
    );
  }
  const issuerKey = values.key ? readJson<JWK>(values.key) : (await loadOrCreateDevKeys(config.DEV_KEYS_DIR)).issuerPrivateJwk;
  const claims: TokenClaims = {
    role,
    sub: values.sub ?? `${role.toLowerCase().replace(/_/g, '-')}-dev`,
    ...(values.org ? { org: values.org } : {}),
    ...(values.commune ? { commune: values.commune } : {}),
    ...(values.province ? { province: values.province } : {}),
  };
  console.log(await mintDevToken(issuerKey, config, claims, values.ttl ?? '8h'));
}

async function keys(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { dir: { type: 'string' } }, strict: true });
  const dir = values.dir ?? mkdtempSync('lien-thong-keys-');
  const files = await writeKeyFiles(dir);
  for (const [name, file] of Object.entries(files)) console.log(`${name}: ${file}`);
}

async function audit(args: string[]): Promise<void> {
  const config = loadHubConfig(process.env);
  const { databaseTarget, openHubDatabase } = hub();
  const target = await databaseTarget(config);
  const db = await openHubDatabase(target);
  try {
    process.exitCode = await auditCommand(args, db, config);
  } finally {
    await db.destroy();
    if (target.kind === 'pglite') await target.pglite.close();
  }
}

async function documents(args: string[]): Promise<void> {
  const config = loadHubConfig(process.env);
  const { createDataSource, migrate } = database();
  const target = await hub().databaseTarget(config);
  // The documents' own schema only: no subgraph's migrations or reference data are needed here.
  await migrate(target, [documentMigrations]);
  const db = await createDataSource({ target, entities: [] });
  await db.initialize();
  const cache = config.REDIS ? redisDocumentCache(config.REDIS) : undefined;
  try {
    await cache?.ready();
    process.exitCode = await documentsCommand(args, createDocumentStore(db, cache, config.CACHE_PREFIX));
  } finally {
    cache?.close();
    await db.destroy();
    if (target.kind === 'pglite') await target.pglite.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'seed':
      return seed(rest);
    case 'token':
      return token(rest);
    case 'keys':
      return keys(rest);
    case 'migrate':
      process.exitCode = await migrateCli().migrateCommand(rest, process.env);
      return;
    case 'audit':
      return audit(rest);
    case 'documents':
      return documents(rest);
    case 'cache':
      process.exitCode = await cacheCommand(rest, process.env);
      return;
    case 'import-units':
      process.exitCode = await importUnits().importUnitsCommand(rest, process.env);
      return;
    case 'dossiers':
      process.exitCode = await dossiers().dossiersCommand(rest, process.env);
      return;
    case 'partitions':
      process.exitCode = await partitionsCli().partitionsCommand(rest, process.env);
      return;
    case 'compose':
    case 'check': {
      const { values } = parseArgs({ args: rest, options: { dir: { type: 'string' } }, strict: true });
      const { GENERATED_FILES, runGenerated } = artifacts();
      process.exitCode = runGenerated(GENERATED_FILES, command === 'compose' ? 'write' : 'check', values.dir ? { root: values.dir } : {});
      return;
    }
    case undefined:
    case 'help':
    case '--help':
      console.log(help());
      return;
    default:
      throw new Error(`Unknown command "${command}"\n\n${help()}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
