import type { MigrationInterface, QueryRunner } from 'typeorm';
import { idempotencyTableSql } from '../../../shared/subgraph/mutations';

/**
 * What writes need: a version per parcel (optimistic concurrency: of two transfers based on the same
 * version only the first applies), the numbering of parcels the hub registers, the history of
 * transfers (each with the holdings before and after and the certificates involved), and the
 * idempotency keys of this subgraph's mutations.
 */
export class LandWrites1766000000002 implements MigrationInterface {
  name = 'LandWrites1766000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE land.land_parcel ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version > 0)`);
    // Parcels registered through the hub are numbered apart from imported (and seeded) ones.
    await q.query(`CREATE SEQUENCE land.land_parcel_id_seq START 100000000001`);
    await q.query(`CREATE TABLE land.parcel_transfer (
      id bigserial PRIMARY KEY,
      parcel_id bigint NOT NULL REFERENCES land.land_parcel(id),
      recorded_at timestamptz NOT NULL DEFAULT now(),
      parcel_version integer NOT NULL,
      shares_from jsonb NOT NULL,
      shares_to jsonb NOT NULL,
      holdings_after jsonb NOT NULL,
      previous_certificate_number varchar(20),
      certificate_number varchar(20) NOT NULL,
      UNIQUE (parcel_id, parcel_version))`);
    await q.query(idempotencyTableSql('land'));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE land.idempotency_key`);
    await q.query(`DROP TABLE land.parcel_transfer`);
    await q.query(`DROP SEQUENCE land.land_parcel_id_seq`);
    await q.query(`ALTER TABLE land.land_parcel DROP COLUMN version`);
  }
}
