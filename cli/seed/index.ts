import type { DataSource } from 'typeorm';
import { insertPopulation } from '../../subgraphs/population/seed';
import { insertLand, seedLandUseTypes } from '../../subgraphs/land/seed';
import { insertEnterprises } from '../../subgraphs/enterprise/seed';
import { generateWorld, type WorldBatch, type WorldTotals } from './world';

export { generateWorld, loadReferenceData, REFERENCE_DATE, type WorldBatch, type WorldOptions, type WorldTotals } from './world';
export { isValidCitizenId, isValidTaxCode, taxCodeCheckDigit, decodeCitizenId } from './codes';

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
  /** Called after each committed batch with residents done so far and the target. */
  onProgress?: (done: number, total: number) => void;
}

export interface SeedCounts {
  residents: number;
  households: number;
  parcels: number;
  enterprises: number;
}

/** The size of the generated set, plus how many of its rows were new to the database. */
export interface SeedResult extends SeedCounts {
  inserted: SeedCounts & { parcelHolders: number };
}

/**
 * Seeds the population, land and enterprise schemas with the synthetic world of `seed`
 * (see world.ts). Idempotent and prefix-stable: existing rows are skipped, so re-running adds
 * nothing and a larger `residents` only adds the extra households. Each batch is one transaction
 * that writes every table with one multi-row INSERT; while the database works on a batch the next
 * one is generated, and at most `concurrency` batches are held in memory.
 */
export async function seedSynthetic(db: DataSource, options: SeedOptions): Promise<SeedResult> {
  const { residents: target, seed, onProgress } = options;
  if (!Number.isSafeInteger(target) || target < 0) throw new Error(`residents must be a non-negative integer, got ${target}`);
  const concurrency = Math.max(1, options.concurrency ?? 2);
  await seedLandUseTypes(db);

  const inserted = { residents: 0, households: 0, parcels: 0, parcelHolders: 0, enterprises: 0 };
  let done = 0;
  let failure: { error: unknown } | undefined;
  const inFlight = new Set<Promise<void>>();

  const write = async (batch: WorldBatch): Promise<void> => {
    await db.transaction(async (m) => {
      // A seed can always be re-run: trading durability of the last batches for speed is fine here.
      await m.query(`SET LOCAL synchronous_commit TO OFF`);
      const population = await insertPopulation(m, batch);
      const land = await insertLand(m, batch);
      const enterprises = await insertEnterprises(m, batch.enterprises);
      inserted.households += population.households;
      inserted.residents += population.residents;
      inserted.parcels += land.parcels;
      inserted.parcelHolders += land.holders;
      inserted.enterprises += enterprises;
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
