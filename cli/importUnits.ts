import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { databaseTarget, loadHubConfig, openHubDatabase } from '../hub';
import { createEntityCaching } from '../shared/cache/entityCache';
import { subgraphByName } from '../subgraphs';
import {
  BUNDLED_DATA_DIR,
  BUNDLED_SOURCE,
  DataSetError,
  describeDifferences,
  importUnits,
  readDataSet,
  summarize,
  unitsAsOf,
} from '../subgraphs/administrative-units/seed';

/** The entity types an import of the units changes: their cached entries are invalidated after it. */
export const UNIT_TAGS = Object.keys(subgraphByName('administrative-units').entityTypes);

export const IMPORT_UNITS_HELP = `  npm run cli -- import-units --file DIR|FILE.json [--dry-run] [--effective-from YYYY-MM-DD] [--legal-basis A,B]
      Imports an updated administrative-units data set into DATABASE_URL (or the embedded PGlite in
      PGLITE_DIR): a folder (--file or --dir) with provinces.json, communes.json,
      legacy-mapping.json and optionally changes-after-2025-07-01.json, in the format of
      subgraphs/administrative-units/seed/data (see SOURCE.md there), or one JSON object with those
      four keys (file names without .json). Prints the differences with the database: units added,
      removed, merged (a commune gone whose pre-reform units now point to another), renamed, type
      changed, province changed, and the pre-reform links changed. --dry-run stops there. Otherwise
      applies them in one transaction, records each change effective on --effective-from (default
      today; changes of the data set's own changes file keep their dates) with --legal-basis, and
      invalidates the cached units (Province, Commune, LegacyUnit) on every process sharing
      REDIS_URL. Once a data set is imported, starting the hub no longer re-applies the bundled one
      (until the bundled folder itself is imported again).
      Exit code 0 done, 1 invalid data set or failure, 2 usage.
`;

function usage(message: string): number {
  console.error(`${message}\n\n${IMPORT_UNITS_HELP}`);
  return 2;
}

function isDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/**
 * `import-units` of the command line. Returns the process exit code: 0 imported (or dry run
 * printed, or nothing to import), 1 invalid data set, failed import or caches left stale, 2 usage.
 */
export async function importUnitsCommand(args: string[], env: Record<string, string | undefined>): Promise<number> {
  let values: { file?: string; dir?: string; 'dry-run'?: boolean; 'effective-from'?: string; 'legal-basis'?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        file: { type: 'string' },
        dir: { type: 'string' },
        'dry-run': { type: 'boolean' },
        'effective-from': { type: 'string' },
        'legal-basis': { type: 'string' },
      },
      strict: true,
    }));
  } catch (error) {
    return usage(error instanceof Error ? error.message : String(error));
  }
  const path = values.file ?? values.dir;
  if (!path || (values.file && values.dir)) return usage('Give the data set with --file (a folder or a JSON file) or --dir (a folder)');
  const effectiveFrom = values['effective-from'] ?? new Date().toISOString().slice(0, 10);
  if (!isDate(effectiveFrom)) return usage(`--effective-from must be a date YYYY-MM-DD, got "${effectiveFrom}"`);
  const legalBasis = (values['legal-basis'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const dryRun = values['dry-run'] ?? false;
  // Importing the bundled folder returns the database to it: later starts apply its updates again.
  const file = resolve(path);
  const source = file === resolve(BUNDLED_DATA_DIR) ? BUNDLED_SOURCE : file;

  let target;
  try {
    target = unitsAsOf(readDataSet(file), effectiveFrom);
  } catch (error) {
    if (!(error instanceof DataSetError)) throw error;
    console.error(`${error.message}\nNothing was imported.`);
    return 1;
  }

  const config = loadHubConfig(env);
  const database = await databaseTarget(config);
  console.log(`Database: ${database.kind === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.PGLITE_DIR}`}`);
  console.log(
    `Data set: ${file}: ${target.provinces.length} provinces, ${target.communes.length} communes, ` +
      `${target.legacyUnits.length} pre-reform units, as of ${effectiveFrom}`,
  );
  // Only a real run touches the caches; a run hub on the same Redis must stop serving the old units.
  const caching =
    !dryRun && config.REDIS ? createEntityCaching({ redis: config.REDIS, prefix: config.CACHE_PREFIX, ttls: config.ENTITY_TTLS }) : null;
  const db = await openHubDatabase(database, { seedReference: false });
  try {
    await caching?.bus.ready();
    const { plan, applied } = await importUnits(db, target, { source, effectiveFrom, legalBasis, dryRun });
    if (plan.empty) {
      console.log('The database already holds this data set: nothing to import.');
      return 0;
    }
    console.log('Differences with the database:');
    for (const line of describeDifferences(plan)) console.log(`  ${line}`);
    const s = summarize(plan);
    console.log(
      `Summary: ${s.added} added, ${s.removed} removed (${s.merged} merged), ${s.renamed} renamed, ` +
        `${s.typeChanged} type changed, ${s.provinceChanged} province changed; pre-reform links: ${s.linksAdded} added, ${s.linksRemoved} removed`,
    );
    if (dryRun) {
      console.log('Dry run: nothing was written.');
      return 0;
    }
    if (!applied) return 0;
    const recorded = plan.changes.length - target.changes.length;
    console.log(`Imported in one transaction; ${recorded} unit change(s) recorded, effective ${effectiveFrom}.`);
    console.log(
      source === BUNDLED_SOURCE
        ? 'The database holds the bundled data set again: later starts apply its updates.'
        : 'Later starts leave these units alone (import the bundled folder to return to it).',
    );
    if (!caching) {
      console.log(
        'REDIS_URL is not set (nor REDIS_CLUSTER_NODES): a hub running elsewhere keeps its cached units until it restarts or their TTL passes ' +
          '(the next start of the embedded hub reads the new units).',
      );
      return 0;
    }
    if (caching.bus.consistent()) await caching.bus.invalidate(UNIT_TAGS);
    if (!caching.bus.consistent()) {
      console.error(
        `Imported, but Redis did not answer: cached units were not invalidated. Run \`npm run cli -- cache invalidate --tags ${UNIT_TAGS.join(',')}\`.`,
      );
      return 1;
    }
    console.log(`Invalidated the cached ${UNIT_TAGS.join(', ')} (prefix "${config.CACHE_PREFIX}").`);
    return 0;
  } finally {
    await caching?.close();
    await db.destroy();
    if (database.kind === 'pglite') await database.pglite.close();
  }
}
