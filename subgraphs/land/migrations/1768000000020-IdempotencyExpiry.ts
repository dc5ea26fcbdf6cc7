import type { MigrationInterface, QueryRunner } from 'typeorm';
import { idempotencyExpiryIndexSql } from '../../../shared/subgraph/retention';

/** Idempotency keys expire (IDEMPOTENCY_RETENTION_HOURS): the purge finds the oldest through this index, in small batches. */
export class LandIdempotencyExpiry1768000000020 implements MigrationInterface {
  name = 'LandIdempotencyExpiry1768000000020';

  async up(q: QueryRunner): Promise<void> {
    await q.query(idempotencyExpiryIndexSql('land'));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX land.idempotency_key_created_idx`);
  }
}
