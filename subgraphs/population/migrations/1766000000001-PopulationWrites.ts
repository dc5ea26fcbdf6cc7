import type { MigrationInterface, QueryRunner } from 'typeorm';
import { idempotencyTableSql } from '../../../shared/subgraph/mutations';

/**
 * What writes need: a version per resident and household (optimistic concurrency: CONFLICT when a
 * client's change is based on an outdated read), the date of death, the numbering of households
 * the hub registers, and the idempotency keys of this subgraph's mutations.
 */
export class PopulationWrites1766000000001 implements MigrationInterface {
  name = 'PopulationWrites1766000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE population.resident
      ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version > 0),
      ADD COLUMN death_date date,
      ADD CONSTRAINT resident_death_after_birth CHECK (death_date IS NULL OR death_date >= birth_date),
      ADD CONSTRAINT resident_dead_in_no_household CHECK (death_date IS NULL OR household_id IS NULL)`);
    await q.query(`ALTER TABLE population.household ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version > 0)`);
    // Households registered through the hub are numbered apart from imported (and seeded) ones.
    await q.query(`CREATE SEQUENCE population.household_id_seq START 100000000001`);
    await q.query(idempotencyTableSql('population'));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE population.idempotency_key`);
    await q.query(`DROP SEQUENCE population.household_id_seq`);
    await q.query(`ALTER TABLE population.household DROP COLUMN version`);
    await q.query(`ALTER TABLE population.resident DROP CONSTRAINT resident_dead_in_no_household,
      DROP CONSTRAINT resident_death_after_birth, DROP COLUMN death_date, DROP COLUMN version`);
  }
}
