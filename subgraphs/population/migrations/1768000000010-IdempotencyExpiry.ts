import type { MigrationInterface, QueryRunner } from 'typeorm';
import { idempotencyExpiryIndexSql } from '../../../shared/subgraph/retention';

/** Idempotency keys expire (IDEMPOTENCY_RETENTION_HOURS): the purge finds the oldest through this index, in small batches. */
export class PopulationIdempotencyExpiry1768000000010 implements MigrationInterface {
  name = 'PopulationIdempotencyExpiry1768000000010';

  async up(q: QueryRunner): Promise<void> {
    await q.query(idempotencyExpiryIndexSql('population'));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX population.idempotency_key_created_idx`);
  }
}
