import type { MigrationInterface, QueryRunner } from 'typeorm';
import { FIRST_PARTITIONED_YEAR, LAST_PARTITIONED_YEAR } from './1767000000005-CreatePublicServices';

/** `dossier_event_2025q3` for the history of the dossiers received 2025-07-01 … 2025-09-30. */
export function historyQuarterPartitionSql(year: number, quarter: number): string {
  const from = `${year}-${String((quarter - 1) * 3 + 1).padStart(2, '0')}-01`;
  const to = quarter === 4 ? `${year + 1}-01-01` : `${year}-${String(quarter * 3 + 1).padStart(2, '0')}-01`;
  return `CREATE TABLE IF NOT EXISTS public_services.dossier_event_${year}q${quarter} PARTITION OF public_services.dossier_event FOR VALUES FROM ('${from}') TO ('${to}')`;
}

/**
 * The status history stays, by period: `dossier_event` is partitioned like `dossier`, by quarter of
 * the dossier's reception (`received_on`, the date in its number), with a default partition, so a
 * past quarter's dossiers and their history are detached and archived together
 * (`npm run cli -- partitions detach`) while the current quarters take writes. Existing rows are
 * moved in this migration's transaction; the primary key holds the partition key, `(id,
 * received_on)`, and ids still come from one sequence, so an id stays unique.
 */
export class PartitionHistory1769000000005 implements MigrationInterface {
  name = 'PartitionHistory1769000000005';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE public_services.dossier_event RENAME TO dossier_event_unpartitioned`);
    await q.query(`ALTER INDEX public_services.dossier_event_pkey RENAME TO dossier_event_unpartitioned_pkey`);
    await q.query(`ALTER INDEX public_services.dossier_event_number_idx RENAME TO dossier_event_unpartitioned_number_idx`);
    await q.query(`CREATE TABLE public_services.dossier_event (
      id bigint NOT NULL DEFAULT nextval('public_services.dossier_event_id_seq'),
      number varchar(40) NOT NULL,
      received_on date NOT NULL,
      at timestamptz NOT NULL,
      from_status varchar(20),
      to_status varchar(20) NOT NULL,
      note text,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (id, received_on)
    ) PARTITION BY RANGE (received_on)`);
    for (let year = FIRST_PARTITIONED_YEAR; year <= LAST_PARTITIONED_YEAR; year++) {
      for (let quarter = 1; quarter <= 4; quarter++) await q.query(historyQuarterPartitionSql(year, quarter));
    }
    await q.query(`CREATE TABLE public_services.dossier_event_default PARTITION OF public_services.dossier_event DEFAULT`);
    // The number is {unit}-{yymmdd}-{sequence}: its second part is the reception date.
    await q.query(`INSERT INTO public_services.dossier_event (id, number, received_on, at, from_status, to_status, note, recorded_at)
      SELECT id, number, to_date(split_part(number, '-', 2), 'YYMMDD'), at, from_status, to_status, note, recorded_at
      FROM public_services.dossier_event_unpartitioned`);
    // The sequence belongs to the new table, so it outlives the old one.
    await q.query(`ALTER SEQUENCE public_services.dossier_event_id_seq OWNED BY public_services.dossier_event.id`);
    await q.query(`DROP TABLE public_services.dossier_event_unpartitioned`);
    await q.query(`CREATE INDEX dossier_event_number_idx ON public_services.dossier_event (number, id)`);
  }

  async down(): Promise<void> {
    throw new Error('PartitionHistory1769000000005 is not reversible: restore the unpartitioned table from a backup');
  }
}
