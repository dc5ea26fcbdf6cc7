import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Land parcels and their holders. Holders are residents or enterprises of other subgraphs, referred
 * to by their keys only; the province code is stored with the parcel (as the land register does) so
 * provincial queries need no cross-subgraph join.
 */
export class CreateLand1764000000002 implements MigrationInterface {
  name = 'CreateLand1764000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE land.land_use_type (
      code varchar(3) PRIMARY KEY CHECK (code ~ '^[A-Z]{3}$'),
      name text NOT NULL,
      category varchar(20) NOT NULL CHECK (category IN ('AGRICULTURAL', 'NON_AGRICULTURAL', 'UNUSED')))`);
    await q.query(`CREATE TABLE land.land_parcel (
      id bigint PRIMARY KEY,
      province_code varchar(2) NOT NULL CHECK (province_code ~ '^[0-9]{2}$'),
      commune_code varchar(5) NOT NULL CHECK (commune_code ~ '^[0-9]{5}$'),
      map_sheet_number integer NOT NULL CHECK (map_sheet_number > 0),
      parcel_number integer NOT NULL CHECK (parcel_number > 0),
      area numeric(14, 1) NOT NULL CHECK (area > 0),
      land_use_code varchar(3) NOT NULL REFERENCES land.land_use_type(code),
      certificate_number varchar(20) UNIQUE,
      address text NOT NULL,
      UNIQUE (commune_code, map_sheet_number, parcel_number))`);
    await q.query(`CREATE INDEX land_parcel_province_use_idx ON land.land_parcel (province_code, land_use_code, id)`);
    await q.query(`CREATE INDEX land_parcel_province_idx ON land.land_parcel (province_code, id)`);
    await q.query(`CREATE INDEX land_parcel_commune_idx ON land.land_parcel (commune_code, id)`);
    await q.query(`CREATE TABLE land.parcel_holder (
      parcel_id bigint NOT NULL REFERENCES land.land_parcel(id),
      holder_type varchar(10) NOT NULL CHECK (holder_type IN ('RESIDENT', 'ENTERPRISE')),
      holder_id varchar(13) NOT NULL CHECK (holder_id ~ '^[0-9]{10,13}$'),
      share numeric(5, 2) NOT NULL CHECK (share > 0 AND share <= 100),
      PRIMARY KEY (parcel_id, holder_type, holder_id))`);
    await q.query(`CREATE INDEX parcel_holder_holder_idx ON land.parcel_holder (holder_type, holder_id, parcel_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE land.parcel_holder`);
    await q.query(`DROP TABLE land.land_parcel`);
    await q.query(`DROP TABLE land.land_use_type`);
  }
}
