import { Client } from 'pg';
import { openHubDatabase } from '../hub/database';
import { seedSynthetic } from '../hub/seed';
import { measureImportThroughput } from '../subgraphs/public-services/seed/import';
import { ensureDatabase } from './dataset';
import type { Progress } from './lifecycle';
import { siblingDatabase } from './dataset';

/** The import's throughput: a dry run and the real apply of the same generated file. */
export interface ServicesImport {
  rows: number;
  dryRun: { seconds: number; rowsPerSecond: number };
  apply: { seconds: number; rowsPerSecond: number; created: number };
}

/** Residents and enterprises of the import's world (the applicants of the generated file). */
const WORLD_RESIDENTS = 20_000;

/**
 * `npm run cli -- dossiers import`'s work, timed: a sync file (NDJSON, the national portal's field
 * names) of `rows` dossiers generated for a fresh world in `<databaseUrl>_services_import`
 * (dropped and made again each run, so every line is new), read, checked and applied in one
 * transaction with counters, history, sync status and audit — first as a dry run, then for real.
 */
export async function measureImport(databaseUrl: string, rows: number, seed: number, progress: Progress): Promise<ServicesImport> {
  const url = siblingDatabase(databaseUrl, 'services_import');
  const admin = new URL(url);
  const name = decodeURIComponent(admin.pathname.slice(1));
  admin.pathname = '/postgres';
  const pg = new Client({ connectionString: admin.toString() });
  await pg.connect();
  try {
    await pg.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
  } finally {
    await pg.end();
  }
  await ensureDatabase(url);
  const db = await openHubDatabase({ kind: 'postgres', url });
  try {
    progress(`import: a world of ${WORLD_RESIDENTS.toLocaleString('en-US')} residents, no dossiers`);
    await seedSynthetic(db, { residents: WORLD_RESIDENTS, seed, dossiers: 0 });
    const world = await db.query(
      `SELECT r.citizen_id AS "citizenId", r.permanent_commune_code AS "communeCode", r.permanent_province_code AS "provinceCode"
       FROM population.resident r`,
    );
    const enterprises = await db.query(
      `SELECT tax_code AS "taxCode", head_office_province_code AS "provinceCode" FROM enterprise.enterprise`,
    );
    const communes = new Map<string, string>(
      (world as { communeCode: string; provinceCode: string }[]).map((r) => [r.communeCode, r.provinceCode]),
    );
    const options = {
      seed,
      count: rows,
      communes: [...communes].map(([code, provinceCode]) => ({ code, provinceCode })),
      residents: world as { citizenId: string; communeCode: string }[],
      enterprises: enterprises as { taxCode: string; provinceCode: string }[],
    };
    progress(`import: ${rows.toLocaleString('en-US')} rows, dry run`);
    const dry = await measureImportThroughput(db, { ...options, dryRun: true });
    progress(`import: dry run ${dry.rowsPerSecond.toFixed(0)} rows/s; applying`);
    const applied = await measureImportThroughput(db, options);
    progress(`import: applied ${applied.rowsPerSecond.toFixed(0)} rows/s (${applied.report.created.toLocaleString('en-US')} created)`);
    return {
      rows: applied.rows,
      dryRun: { seconds: dry.seconds, rowsPerSecond: dry.rowsPerSecond },
      apply: { seconds: applied.seconds, rowsPerSecond: applied.rowsPerSecond, created: applied.report.created },
    };
  } finally {
    await db.destroy();
  }
}
