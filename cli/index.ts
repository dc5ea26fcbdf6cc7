import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { databaseTarget, openHubDatabase } from '../gateway/hub';
import { loadConfig } from '../shared/config';
import { seedSynthetic } from './seed';

const HELP = `Liên Thông command line

  npm run seed -- [--residents N] [--seed S]
      Migrates every subgraph's schema, loads the reference data (administrative units, land-use
      types) and seeds N synthetic residents with their households, parcels and enterprises.
      Deterministic for a given seed; re-running adds only what is missing. Writes to DATABASE_URL,
      or to the embedded PGlite in PGLITE_DIR when DATABASE_URL is not set.
`;

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got "${value}"`);
  return n;
}

async function seed(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { residents: { type: 'string' }, seed: { type: 'string' } }, strict: true });
  const config = loadConfig(process.env);
  const residents = positiveInt('residents', values.residents, config.SEED_RESIDENTS);
  const seedNumber = positiveInt('seed', values.seed, config.SEED);
  const target = await databaseTarget(config);
  console.log(`Database: ${target.kind === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.PGLITE_DIR}`}`);
  const db = await openHubDatabase(target);
  const bar = new SingleBar(
    { format: 'Seeding [{bar}] {percentage}% | {value}/{total} residents | {eta_formatted} left', etaBuffer: 50 },
    Presets.shades_classic,
  );
  const started = Date.now();
  bar.start(residents, 0);
  try {
    const counts = await seedSynthetic(db, { residents, seed: seedNumber, onProgress: (done) => bar.update(done) });
    bar.stop();
    const seconds = (Date.now() - started) / 1000;
    console.log(`Seeded in ${seconds.toFixed(1)} s (seed ${seedNumber}):`, counts);
  } finally {
    bar.stop();
    await db.destroy();
    if (target.kind === 'pglite') await target.pglite.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'seed':
      return seed(rest);
    case undefined:
    case 'help':
    case '--help':
      console.log(HELP);
      return;
    default:
      throw new Error(`Unknown command "${command}"\n\n${HELP}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
