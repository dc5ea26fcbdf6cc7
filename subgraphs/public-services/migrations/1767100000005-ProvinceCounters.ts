import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The counters as they stood when this migration was written (a later counter comes with a migration of its own). */
const COLUMNS = [
  'received',
  'online',
  'online_eligible',
  'online_of_eligible',
  'fee_required',
  'paid_online',
  'digitised',
  'reused_data',
  'from_data_store',
  'vneid_verified',
  'reported_timely',
  'finished',
  'finished_on_time',
  'resolution_minutes',
  'electronic_result',
  'unfinished',
  'feedback',
  'complaints',
  'feedback_handled',
  'feedback_satisfied',
];

/**
 * The evaluation's counters rolled up per province and month, so the national ranking and a
 * province's score read a few hundred rows instead of every unit's (27,000 at a million dossiers,
 * 52 ms; see bench/README.md). Kept in the same transaction as the unit counters; each transaction
 * adds to one of `SLOTS` rows of its province and month (by transaction id), so concurrent writes
 * in one province seldom wait for each other's row. Existing counters are rolled up here.
 */
export class ProvinceCounters1767100000005 implements MigrationInterface {
  name = 'ProvinceCounters1767100000005';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE public_services.evaluation_counter_province (
      province_code varchar(2) NOT NULL,
      month date NOT NULL CHECK (extract(day FROM month) = 1),
      slot smallint NOT NULL CHECK (slot >= 0),
      ${COLUMNS.map((c) => `${c} bigint NOT NULL DEFAULT 0`).join(',\n      ')},
      PRIMARY KEY (province_code, month, slot))`);
    await q.query(
      `CREATE INDEX evaluation_counter_province_month_idx ON public_services.evaluation_counter_province (month, province_code)`,
    );
    await q.query(
      `INSERT INTO public_services.evaluation_counter_province (province_code, month, slot, ${COLUMNS.join(', ')})
       SELECT province_code, month, 0, ${COLUMNS.map((c) => `sum(${c})`).join(', ')} FROM public_services.evaluation_counter GROUP BY 1, 2`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE public_services.evaluation_counter_province`);
  }
}
