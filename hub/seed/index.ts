import type { DataSource } from 'typeorm';
import type { SubgraphModule } from '../../shared/subgraph';
import { loadSubgraphs } from '../../subgraphs';
import { generateWorld, type WorldBatch, type WorldTotals } from './world';

export { generateWorld, loadReferenceData, REFERENCE_DATE, type WorldBatch, type WorldOptions, type WorldTotals } from './world';
export { isValidCitizenId, isValidTaxCode, taxCodeCheckDigit, decodeCitizenId } from './codes';

/**
 * Dossiers per resident when none are asked for: about 30 million dossiers a year for 101 million
 * people is 0.3 a year, and the synthetic dossiers span the half-year from 1 July 2025 (0.15).
 */
export const DOSSIERS_PER_RESIDENT = 0.15;

export interface SeedOptions {
  /** Target number of residents (rounded up to a whole household). */
  residents: number;
  seed: number;
  /** Residents per transaction (approximate). Default 5,000. */
  batchSize?: number;
  /** Transactions in flight at once. Default 2; PGlite has one connection and runs them in turn. */
  concurrency?: number;
  /** Place households only in these communes (see WorldOptions.communeCodes); default all. */
  communeCodes?: readonly string[];
  /**
   * Dossiers of administrative procedures to make in all, spread over the residents (default
   * {@link DOSSIERS_PER_RESIDENT} per resident): applicants are the batch's own residents and enterprises.
   */
  dossiers?: number;
  /** Called after each committed batch with residents done so far and the target. */
  onProgress?: (done: number, total: number) => void;
  /** The subgraphs whose seed hooks receive the batches (default: the registry). */
  subgraphs?: readonly SubgraphModule[];
}

export interface SeedCounts {
  residents: number;
  households: number;
  parcels: number;
  enterprises: number;
}

/** The size of the generated set, plus how many of its rows were new to the database. */
export interface SeedResult extends SeedCounts {
  /** Rows written, by table, as the subgraphs' seed hooks report them. */
  inserted: Record<string, number>;
}

/**
 * Seeds every subgraph that has a seed hook with its rows of the synthetic world of `seed`
 * (see world.ts). Idempotent and prefix-stable: existing rows are skipped, so re-running adds
 * nothing and a larger `residents` only adds the extra households. Each batch is one transaction
 * that writes every table with one multi-row INSERT; while the database works on a batch the next
 * one is generated, and at most `concurrency` batches are held in memory.
 */
export async function seedSynthetic(db: DataSource, options: SeedOptions): Promise<SeedResult> {
  const { residents: target, seed, onProgress } = options;
  if (!Number.isSafeInteger(target) || target < 0) throw new Error(`residents must be a non-negative integer, got ${target}`);
  const concurrency = Math.max(1, options.concurrency ?? 2);
  const seeded = (options.subgraphs ?? loadSubgraphs()).filter((s) => s.seed);
  // The reference data the seeded rows point at (land-use types): idempotent, and cheap when present.
  for (const s of seeded) await s.seedReference?.(db);
  const hooks = seeded.flatMap((s) => (s.seed ? [s.seed] : []));
  const dossiersPerResident = options.dossiers === undefined ? DOSSIERS_PER_RESIDENT : target > 0 ? options.dossiers / target : 0;
  const inserted: Record<string, number> = {};
  let done = 0;
  let failure: { error: unknown } | undefined;
  const inFlight = new Set<Promise<void>>();

  const write = async (batch: WorldBatch): Promise<void> => {
    await db.transaction(async (m) => {
      // A seed can always be re-run: trading durability of the last batches for speed is fine here.
      await m.query(`SET LOCAL synchronous_commit TO OFF`);
      // Every hook gets the whole batch and takes the rows it owns (its SeedHook's row type).
      const rows = { ...batch, seed, dossiersPerResident };
      for (const hook of hooks) {
        for (const [table, count] of Object.entries(await hook.insert(m, rows))) inserted[table] = (inserted[table] ?? 0) + count;
      }
    });
    done += batch.residents.length;
    onProgress?.(Math.min(done, target), target);
  };

  const world = generateWorld({
    seed,
    residents: target,
    batchResidents: options.batchSize ?? 5_000,
    ...(options.communeCodes ? { communeCodes: options.communeCodes } : {}),
  });
  let step: IteratorResult<WorldBatch, WorldTotals> | undefined;
  try {
    step = world.next();
    while (!step.done && !failure) {
      const task: Promise<void> = write(step.value)
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => inFlight.delete(task));
      inFlight.add(task);
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
      step = world.next();
    }
  } finally {
    // Never return (or throw) while a transaction still runs: the caller may close the database next.
    await Promise.all(inFlight);
  }
  if (failure) throw failure.error;
  if (!step.done) throw new Error('seedSynthetic: generation stopped early');
  const totals = step.value;
  return { ...totals, inserted };
}
