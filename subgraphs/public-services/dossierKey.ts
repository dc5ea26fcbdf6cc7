import type { SqlRunner } from '../../shared/db/partitions';

/**
 * The province of each existing dossier of `numbers`, from the national key table `dossier_key`
 * (migration 1769100000005). Dossiers are partitioned by quarter, then by province: the date in a
 * number names its quarter, but only this names its province. A lookup by number reads it first
 * and states the province, so the planner prunes to one table at plan time: in one statement the
 * province would only be known at run time, and the plan would still weigh every province's table
 * of the quarter (9–25 ms of planning for 35 tables, against a key lookup of a fraction of one).
 * A number absent from the key table is no dossier.
 */
export async function provincesOfNumbers(db: SqlRunner, numbers: readonly string[]): Promise<Map<string, string>> {
  if (numbers.length === 0) return new Map();
  const rows = (await db.query(`SELECT number, province_code AS province FROM public_services.dossier_key WHERE number = ANY($1)`, [
    [...numbers],
  ])) as { number: string; province: string }[];
  return new Map(rows.map((r) => [r.number, r.province]));
}
