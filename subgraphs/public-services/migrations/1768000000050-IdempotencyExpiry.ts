import type { MigrationInterface, QueryRunner } from 'typeorm';
import { idempotencyExpiryIndexSql } from '../../../shared/subgraph/retention';

/** Idempotency keys expire (IDEMPOTENCY_RETENTION_HOURS): the purge finds the oldest through this index, in small batches. */
export class PublicServicesIdempotencyExpiry1768000000050 implements MigrationInterface {
  name = 'PublicServicesIdempotencyExpiry1768000000050';

  async up(q: QueryRunner): Promise<void> {
    await q.query(idempotencyExpiryIndexSql('public_services'));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX public_services.idempotency_key_created_idx`);
  }
}
