import type { MigrationInterface, QueryRunner } from 'typeorm';
import { idempotencyTableSql } from '../../../shared/subgraph/mutations';

/**
 * What writes need: a version per enterprise (optimistic concurrency), the register's history of
 * each enterprise (registration, change of legal representative, change of status) and the
 * idempotency keys of this subgraph's mutations.
 */
export class EnterpriseWrites1766000000003 implements MigrationInterface {
  name = 'EnterpriseWrites1766000000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE enterprise.enterprise ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version > 0)`);
    await q.query(`CREATE TABLE enterprise.enterprise_event (
      id bigserial PRIMARY KEY,
      tax_code varchar(13) NOT NULL REFERENCES enterprise.enterprise(tax_code),
      recorded_at timestamptz NOT NULL DEFAULT now(),
      kind varchar(30) NOT NULL CHECK (kind IN ('REGISTERED', 'LEGAL_REPRESENTATIVE_CHANGED', 'STATUS_CHANGED')),
      enterprise_version integer NOT NULL,
      from_status varchar(20),
      to_status varchar(20),
      from_representative_id varchar(12),
      to_representative_id varchar(12),
      reason text,
      UNIQUE (tax_code, enterprise_version))`);
    await q.query(idempotencyTableSql('enterprise'));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE enterprise.idempotency_key`);
    await q.query(`DROP TABLE enterprise.enterprise_event`);
    await q.query(`ALTER TABLE enterprise.enterprise DROP COLUMN version`);
  }
}
