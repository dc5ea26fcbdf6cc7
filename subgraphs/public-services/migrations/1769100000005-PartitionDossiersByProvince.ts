import type { MigrationInterface, QueryRunner } from 'typeorm';
import { keyTableSql, quarterPartitionSql, splitQuarterByProvince, type PeriodTable } from '../../../shared/db/partitions';
import { FIRST_PARTITIONED_YEAR, LAST_PARTITIONED_YEAR } from './1767000000005-CreatePublicServices';

/**
 * The tables partitioned by quarter, detached together: dossiers, split by province from 2025q3
 * (when the 34 provinces came into force, 1 July 2025; earlier quarters hold dossiers of the 63
 * former provinces, read by number only), and their status history.
 */
export const DOSSIER_PERIOD_TABLES: readonly PeriodTable[] = [
  { table: 'public_services.dossier', column: 'received_on', byProvince: { column: 'province_code', from: '2025q3' } },
  { table: 'public_services.dossier_event', column: 'received_on' },
];

/** Every quarter with a partition of its own: `2024q1` … `2027q4`. */
export function dossierQuarters(): string[] {
  const quarters: string[] = [];
  for (let year = FIRST_PARTITIONED_YEAR; year <= LAST_PARTITIONED_YEAR; year++) {
    for (let quarter = 1; quarter <= 4; quarter++) quarters.push(`${year}q${quarter}`);
  }
  return quarters;
}

/** The dossier number's uniqueness across provinces (shared/db/partitions.ts). */
export const DOSSIER_KEY = {
  table: 'public_services.dossier',
  keyTable: 'public_services.dossier_key',
  key: 'number',
  keyType: 'varchar(40)',
  province: 'province_code',
  fixed: true,
} as const;

/**
 * Dossiers by period and by province: `dossier` stays RANGE-partitioned by quarter of reception,
 * and each quarter from 2025q3 is LIST-partitioned by the province of the receiving unit
 * (`province_code`, set by every write from the commune's or the department's province) into the
 * 34 provinces and a default. Quarter first, province below, because the period is what is
 * archived: detaching a quarter is one catalog change on `dossier` that takes its 35 province
 * tables with it (`npm run cli -- partitions detach`), together with that quarter of
 * `dossier_event`; the other nesting would need 35 detaches per quarter. A commune or provincial
 * officer's reads state the province, so the planner reads one province table per quarter, and
 * one table when the period is stated too.
 *
 * What is created ahead is kept small, for every test and fresh install migrates it: each table
 * of a partition costs its files and 4 indexes (35 × 10 quarters split at once made this migration
 * take 8–13 s on PGlite and 15–17 s on PostgreSQL, against about 1 s before; splitting the
 * current quarter too, still 2–3 s and 3–5 s). The 16 quarters 2024q1 … 2027q4 are created as
 * before, those from 2025q3 with their default sub-partition only, and split into the 34
 * provinces (splitQuarterByProvince) here when they hold rows. The coming quarters are split by
 * `npm run cli -- partitions prepare`, which `npm run cli -- migrate` runs for the current and the
 * next quarter (and which moves the rows a default sub-partition took meanwhile): a database
 * migrated by the tests' own helpers keeps its quarters whole, which changes plans, never results.
 * The status history `dossier_event` stays partitioned by quarter only: it is read by dossier
 * number (whose date names the quarter), never listed by place, so 35 tables a quarter would slow
 * every migration for no pruning; it detaches with its quarter.
 *
 * The primary key must hold the partition keys, `(number, received_on, province_code)`. The date
 * is in the number (a CHECK holds them together), but the province is not: the number's
 * uniqueness across provinces is kept by the key table `dossier_key` (number → province), which
 * also names a number's province partition to lookups by number. A number and a province never
 * change (a receiving unit is fixed): an update of either is refused. Detaching a quarter leaves
 * its numbers in the key table, so an archived number is never issued again.
 *
 * Existing rows are moved in this migration's transaction.
 */
export class PartitionDossiersByProvince1769100000005 implements MigrationInterface {
  name = 'PartitionDossiersByProvince1769100000005';

  async up(q: QueryRunner): Promise<void> {
    // The old table and its partitions step aside, their indexes renamed (index names are per schema).
    const old = (await q.query(
      `SELECT c.oid::regclass::text AS rel, c.relname FROM pg_class c
       WHERE c.oid = 'public_services.dossier'::regclass
          OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'public_services.dossier'::regclass)`,
    )) as { rel: string; relname: string }[];
    const indexes = (await q.query(
      `SELECT i.indexrelid AS oid, ic.relname FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
       WHERE i.indrelid = ANY($1::regclass[])`,
      [old.map((o) => o.rel)],
    )) as { oid: number; relname: string }[];
    for (const index of indexes) await q.query(`ALTER INDEX public_services."${index.relname}" RENAME TO dossier_old_${index.oid}`);
    for (const o of old) {
      if (o.relname !== 'dossier') await q.query(`ALTER TABLE public_services."${o.relname}" RENAME TO "old_${o.relname}"`);
    }
    await q.query(`ALTER TABLE public_services.dossier RENAME TO dossier_unpartitioned`);

    // The same columns, defaults and checks (whatever the earlier migrations added), partitioned anew.
    await q.query(`CREATE TABLE public_services.dossier (
      LIKE public_services.dossier_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
      -- The number is {unit}-{yymmdd}-{sequence}: its date is the reception date (the quarter's key).
      CONSTRAINT dossier_number_date_check CHECK (split_part(number, '-', 2) = to_char(received_on, 'YYMMDD'))
    ) PARTITION BY RANGE (received_on)`);
    const [dossiers] = DOSSIER_PERIOD_TABLES as [PeriodTable];
    for (const period of dossierQuarters()) for (const sql of quarterPartitionSql(dossiers, period)) await q.query(sql);
    await q.query(`CREATE TABLE public_services.dossier_default PARTITION OF public_services.dossier DEFAULT`);

    // Split by province: the quarters holding dossiers (the others: `partitions prepare`, which `migrate` runs for the coming ones).
    const filled = (await q.query(
      `SELECT DISTINCT to_char(received_on, 'YYYY"q"Q') AS period FROM public_services.dossier_unpartitioned`,
    )) as { period: string }[];
    const split = new Set(filled.map((f) => f.period));
    for (const period of dossierQuarters()) {
      if (split.has(period) && period >= dossiers.byProvince!.from) await splitQuarterByProvince(q, dossiers, period);
    }
    // Rows first, indexes after: one sorted build per partition rather than row-by-row upkeep.
    await q.query(`INSERT INTO public_services.dossier SELECT * FROM public_services.dossier_unpartitioned`);
    await q.query(`DROP TABLE public_services.dossier_unpartitioned`);
    // A lookup by number goes through the primary key (number first); the former number-only index is not rebuilt.
    await q.query(`ALTER TABLE public_services.dossier ADD CONSTRAINT dossier_pkey PRIMARY KEY (number, received_on, province_code)`);
    await q.query(`CREATE INDEX dossier_unit_idx ON public_services.dossier (unit_code, number)`);
    await q.query(`CREATE INDEX dossier_applicant_idx ON public_services.dossier (applicant_type, applicant_id, received_at)`);
    await q.query(
      `CREATE INDEX dossier_unfinished_due_idx ON public_services.dossier (due_at) WHERE status IN ('RECEIVED', 'IN_PROGRESS', 'FEE_REQUESTED')`,
    );
    for (const sql of keyTableSql(DOSSIER_KEY)) await q.query(sql);
  }

  async down(): Promise<void> {
    throw new Error('PartitionDossiersByProvince1769100000005 is not reversible: restore the former table from a backup');
  }
}
