import type { MigrationInterface, QueryRunner } from 'typeorm';
import { idempotencyExpiryIndexSql } from '../../../shared/subgraph/retention';

/** Idempotency keys expire (IDEMPOTENCY_RETENTION_HOURS): the purge finds the oldest through this index, in small batches. */
export class EnterpriseIdempotencyExpiry1768000000030 implements MigrationInterface {
  name = 'EnterpriseIdempotencyExpiry1768000000030';

  async up(q: QueryRunner): Promise<void> {
    await q.query(idempotencyExpiryIndexSql('enterprise'));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX enterprise.idempotency_key_created_idx`);
  }
}
