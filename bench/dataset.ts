import { Client } from 'pg';
import { seedSynthetic } from '../hub/seed';
import { openHubDatabase } from '../hub/database';

/** What the bench measures against. */
export interface Dataset {
  residents: number;
  /** True when the data set was already there (no seeding in this run). */
  reused: boolean;
  seedSeconds: number;
  /** Communes with at least one resident (permanent residence), most residents first. */
  communes: { code: string; residents: number }[];
  /** Every 2025 province code. */
  provinces: string[];
}

/** `<database>_<suffix>` next to `databaseUrl`. */
export const siblingDatabase = (databaseUrl: string, suffix: string) => databaseUrl.replace(/\/([^/?]+)(\?|$)/, `/$1_${suffix}$2`);

/** `1m`, `10m`, `250k`: the database suffix of a size. */
export const sizeLabel = (n: number) => (n % 1_000_000 === 0 ? `${n / 1_000_000}m` : n % 1_000 === 0 ? `${n / 1_000}k` : String(n));

/**
 * Creates the database of `databaseUrl` on its server when it does not exist yet, as a copy of the
 * database `template` on the same server when given (PostgreSQL copies it file by file; nothing may
 * be connected to it meanwhile).
 */
export async function ensureDatabase(databaseUrl: string, template?: string): Promise<{ created: boolean }> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!name) throw new Error(`DATABASE_URL names no database: ${url.origin}`);
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    const rows = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rows.rowCount) return { created: false };
    const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;
    await admin.query(`CREATE DATABASE ${quote(name)}${template ? ` TEMPLATE ${quote(template)}` : ''}`);
    return { created: true };
  } finally {
    await admin.end();
  }
}

/**
 * Migrates the database, seeds it with the project's seeder up to `residents` unless it already
 * holds that many (any seed), and reads the communes by density and the provinces.
 */
export async function prepareDataset(
  databaseUrl: string,
  options: { residents: number; seed: number; onProgress: (done: number, total: number) => void },
): Promise<Dataset> {
  const db = await openHubDatabase({ kind: 'postgres', url: databaseUrl });
  try {
    const count = async () => Number((await db.query(`SELECT count(*) AS n FROM population.resident`))[0].n);
    let residents = await count();
    const reused = residents >= options.residents;
    const started = Date.now();
    if (!reused) {
      await seedSynthetic(db, { residents: options.residents, seed: options.seed, onProgress: options.onProgress });
      // Fresh statistics, so the planner sees the table sizes the bench runs against. Beyond the
      // hub's statement timeout at 5 M residents on a busy machine (measured: a 5 M seed failed there).
      await db.transaction(async (m) => {
        await m.query('SET LOCAL statement_timeout = 0');
        await m.query('ANALYZE');
      });
      residents = await count();
    }
    const communes: { code: string; residents: number }[] = (
      await db.query(`SELECT permanent_commune_code AS code, count(*) AS n FROM population.resident GROUP BY 1 ORDER BY count(*) DESC, 1`)
    ).map((r: { code: string; n: string }) => ({ code: r.code, residents: Number(r.n) }));
    const provinces: string[] = (await db.query(`SELECT code FROM administrative_units.province ORDER BY code`)).map(
      (r: { code: string }) => r.code,
    );
    return { residents, reused, seedSeconds: reused ? 0 : (Date.now() - started) / 1000, communes, provinces };
  } finally {
    await db.destroy();
  }
}
