import type { DataSource } from 'typeorm';
import { BUNDLED_DATA_DIR, fingerprint, readDataSet, unitsAsOf } from './dataset';
import { BUNDLED_SOURCE, importUnits, lastImport } from './import';

export * from './dataset';
export * from './import';

/** What the start-up import did. */
export type StartupImport =
  { applied: true } | { applied: false; reason: 'unchanged' } | { applied: false; reason: 'imported'; source: string; importedAt: string };

/**
 * The start-up import: makes the database hold the bundled data set (data/, provenance in
 * data/SOURCE.md) as it stands on `today` — its changes in force keep their effective dates —
 * through the same diff and transaction as `import-units`. Skipped when the database already holds
 * exactly that state, and left alone once a data set was imported with `import-units`: a restart
 * never undoes an import (import the bundled folder explicitly to return to it).
 */
export async function seedAdministrativeUnits(db: DataSource, today = new Date().toISOString().slice(0, 10)): Promise<StartupImport> {
  const last = await lastImport(db);
  if (last && last.source !== BUNDLED_SOURCE)
    return { applied: false, reason: 'imported', source: last.source, importedAt: last.importedAt };
  const target = unitsAsOf(readDataSet(BUNDLED_DATA_DIR), today);
  if (last?.fingerprint === fingerprint(target)) return { applied: false, reason: 'unchanged' };
  await importUnits(db, target, { source: BUNDLED_SOURCE, effectiveFrom: today, legalBasis: [] });
  return { applied: true };
}
