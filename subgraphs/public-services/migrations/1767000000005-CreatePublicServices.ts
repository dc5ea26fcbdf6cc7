import type { MigrationInterface, QueryRunner } from 'typeorm';
import { idempotencyTableSql } from '../../../shared/subgraph/mutations';
import { COUNTERS } from '../evaluation/counters';

/** Quarters with a partition of their own from the start; later ones go to the default partition until added. */
export const FIRST_PARTITIONED_YEAR = 2024;
export const LAST_PARTITIONED_YEAR = 2027;

/** `dossier_2025q3` for 2025-07-01 … 2025-09-30, as `CREATE TABLE … PARTITION OF` text. */
export function quarterPartitionSql(year: number, quarter: number): string {
  const from = `${year}-${String((quarter - 1) * 3 + 1).padStart(2, '0')}-01`;
  const to = quarter === 4 ? `${year + 1}-01-01` : `${year}-${String(quarter * 3 + 1).padStart(2, '0')}-01`;
  return `CREATE TABLE IF NOT EXISTS public_services.dossier_${year}q${quarter} PARTITION OF public_services.dossier FOR VALUES FROM ('${from}') TO ('${to}')`;
}

/**
 * Dịch vụ công: the procedure catalogue, provincial departments and service centres, dossiers with
 * their history and supplement rounds, feedback, the evaluation's incremental counters, the
 * reporting systems' sync status, and the idempotency keys of this subgraph's mutations.
 *
 * Dossiers grow by some 30 million a year: the table is partitioned by quarter of reception
 * (`received_on`, the date in the dossier number, so a lookup by number reads one partition), with a
 * default partition for dates outside the quarters created here. An old quarter can be detached and
 * archived without touching the others; the primary key includes the partition key, and since the
 * date is part of the number the number alone stays unique.
 */
export class CreatePublicServices1767000000005 implements MigrationInterface {
  name = 'CreatePublicServices1767000000005';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE public_services.procedure (
      code varchar(20) PRIMARY KEY CHECK (code ~ '^[0-9]\\.[0-9]{6}$'),
      name text NOT NULL,
      field text NOT NULL,
      level varchar(10) NOT NULL CHECK (level IN ('PROVINCE', 'COMMUNE')),
      time_limit numeric(6, 1) NOT NULL CHECK (time_limit > 0),
      time_unit varchar(12) NOT NULL CHECK (time_unit IN ('HOURS', 'WORKING_DAYS')),
      has_fee boolean NOT NULL,
      online_level varchar(7) NOT NULL CHECK (online_level IN ('NONE', 'PARTIAL', 'FULL')),
      paper_result boolean NOT NULL,
      published_on date,
      legal_basis_on date NOT NULL,
      legal_basis text NOT NULL)`);
    await q.query(`CREATE TABLE public_services.department (
      code varchar(20) PRIMARY KEY CHECK (code ~ '^000\\.00\\.[0-9]{2}\\.H[0-9]{2}$'),
      province_code varchar(2) NOT NULL,
      name text NOT NULL)`);
    await q.query(`CREATE INDEX department_province_idx ON public_services.department (province_code, code)`);
    await q.query(`CREATE TABLE public_services.service_centre (
      code varchar(20) PRIMARY KEY,
      name text NOT NULL,
      level varchar(10) NOT NULL CHECK (level IN ('PROVINCE', 'COMMUNE')),
      province_code varchar(2) NOT NULL,
      commune_code varchar(5))`);
    await q.query(`CREATE INDEX service_centre_province_idx ON public_services.service_centre (province_code, code)`);
    await q.query(`CREATE TABLE public_services.dossier (
      number varchar(40) NOT NULL,
      received_on date NOT NULL,
      procedure_code varchar(20) NOT NULL REFERENCES public_services.procedure(code),
      unit_type varchar(10) NOT NULL CHECK (unit_type IN ('COMMUNE', 'DEPARTMENT')),
      unit_code varchar(20) NOT NULL,
      commune_code varchar(5),
      province_code varchar(2) NOT NULL,
      applicant_type varchar(10) NOT NULL CHECK (applicant_type IN ('RESIDENT', 'ENTERPRISE')),
      applicant_id varchar(13) NOT NULL CHECK (applicant_id ~ '^[0-9]{10,13}$'),
      channel varchar(10) NOT NULL CHECK (channel IN ('IN_PERSON', 'ONLINE', 'POSTAL')),
      status varchar(20) NOT NULL CHECK (status IN ('NEW', 'RECEIVED', 'NOT_RECEIVED', 'IN_PROGRESS', 'SUPPLEMENT_REQUESTED',
        'FEE_REQUESTED', 'WITHDRAWN', 'STOPPED', 'DONE', 'RETURNED')),
      submitted_at timestamptz NOT NULL,
      received_at timestamptz NOT NULL,
      due_at timestamptz NOT NULL,
      finished_at timestamptz,
      returned_at timestamptz,
      supplement_count integer NOT NULL DEFAULT 0 CHECK (supplement_count >= 0),
      online_offered boolean NOT NULL,
      fee_required boolean NOT NULL,
      paid_online boolean NOT NULL DEFAULT false,
      digitised boolean NOT NULL DEFAULT false,
      reused_data boolean NOT NULL DEFAULT false,
      from_data_store boolean NOT NULL DEFAULT false,
      vneid_verified boolean NOT NULL DEFAULT false,
      electronic_result boolean NOT NULL DEFAULT false,
      reporting_system text NOT NULL,
      reported_at timestamptz NOT NULL,
      last_event_at timestamptz NOT NULL,
      version integer NOT NULL DEFAULT 1 CHECK (version > 0),
      CHECK ((unit_type = 'COMMUNE') = (commune_code IS NOT NULL AND commune_code = unit_code)),
      PRIMARY KEY (number, received_on)
    ) PARTITION BY RANGE (received_on)`);
    for (let year = FIRST_PARTITIONED_YEAR; year <= LAST_PARTITIONED_YEAR; year++) {
      for (let quarter = 1; quarter <= 4; quarter++) await q.query(quarterPartitionSql(year, quarter));
    }
    await q.query(`CREATE TABLE public_services.dossier_default PARTITION OF public_services.dossier DEFAULT`);
    await q.query(`CREATE INDEX dossier_unit_idx ON public_services.dossier (unit_code, number)`);
    await q.query(`CREATE INDEX dossier_applicant_idx ON public_services.dossier (applicant_type, applicant_id, received_at)`);
    await q.query(`CREATE INDEX dossier_number_idx ON public_services.dossier (number)`);
    await q.query(`CREATE TABLE public_services.dossier_event (
      id bigserial PRIMARY KEY,
      number varchar(40) NOT NULL,
      at timestamptz NOT NULL,
      from_status varchar(20),
      to_status varchar(20) NOT NULL,
      note text,
      recorded_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE INDEX dossier_event_number_idx ON public_services.dossier_event (number, id)`);
    await q.query(`CREATE TABLE public_services.dossier_supplement (
      number varchar(40) NOT NULL,
      round integer NOT NULL CHECK (round > 0),
      requested_at timestamptz NOT NULL,
      completed_at timestamptz,
      previous_due_at timestamptz NOT NULL,
      new_due_at timestamptz,
      reason text NOT NULL,
      PRIMARY KEY (number, round))`);
    await q.query(`CREATE TABLE public_services.feedback (
      id bigserial PRIMARY KEY,
      category varchar(10) NOT NULL CHECK (category IN ('COMPLAINT', 'PROPOSAL', 'RATING')),
      unit_type varchar(10) NOT NULL CHECK (unit_type IN ('COMMUNE', 'DEPARTMENT')),
      unit_code varchar(20) NOT NULL,
      province_code varchar(2) NOT NULL,
      dossier_number varchar(40),
      received_at timestamptz NOT NULL,
      handled_at timestamptz,
      satisfied boolean)`);
    await q.query(`CREATE INDEX feedback_unit_idx ON public_services.feedback (unit_code, received_at)`);
    await q.query(`CREATE TABLE public_services.evaluation_counter (
      unit_type varchar(10) NOT NULL,
      unit_code varchar(20) NOT NULL,
      province_code varchar(2) NOT NULL,
      month date NOT NULL CHECK (extract(day FROM month) = 1),
      ${COUNTERS.map((c) => `${c} bigint NOT NULL DEFAULT 0`).join(',\n      ')},
      PRIMARY KEY (unit_type, unit_code, month))`);
    await q.query(`CREATE INDEX evaluation_counter_month_idx ON public_services.evaluation_counter (month, province_code)`);
    await q.query(`CREATE TABLE public_services.sync_status (
      system text PRIMARY KEY,
      province_code varchar(2),
      last_event_at timestamptz,
      last_received_at timestamptz,
      lag_seconds float8,
      accepted_rows bigint NOT NULL DEFAULT 0,
      rejected_rows bigint NOT NULL DEFAULT 0,
      last_error text)`);
    await q.query(idempotencyTableSql('public_services'));
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'idempotency_key',
      'sync_status',
      'evaluation_counter',
      'feedback',
      'dossier_supplement',
      'dossier_event',
      'dossier',
      'service_centre',
      'department',
      'procedure',
    ]) {
      await q.query(`DROP TABLE public_services.${table}`);
    }
  }
}
