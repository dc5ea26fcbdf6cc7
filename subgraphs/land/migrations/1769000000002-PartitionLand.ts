import type { MigrationInterface, QueryRunner } from 'typeorm';
import { keyTableSql, provincePartitionsSql } from '../../../shared/db/partitions';

/**
 * Land parcels and their holders partitioned by province (shared/db/partitions.ts says how and
 * why); existing rows are moved in this migration's transaction. A holder row carries its parcel's
 * province (the partition key), so a parcel and its holders sit in the same province's partitions.
 *
 * Keys: `(id, province_code)` is the parcels' primary key; a parcel id and a certificate number stay
 * unique in the whole country through the key tables `parcel_key` and `certificate_key` (kept by
 * triggers; a new certificate replaces the old one's key). A parcel number is unique in its commune
 * and map sheet: a commune lies in one province, so the per-province constraint `(commune_code,
 * map_sheet_number, parcel_number, province_code)` is that very rule. Transfers refer to
 * `parcel_key`; holders to their parcel with its province.
 */
export class PartitionLand1769000000002 implements MigrationInterface {
  name = 'PartitionLand1769000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE land.parcel_transfer DROP CONSTRAINT parcel_transfer_parcel_id_fkey`);
    await q.query(`ALTER TABLE land.parcel_holder DROP CONSTRAINT parcel_holder_parcel_id_fkey`);
    for (const table of ['land_parcel', 'parcel_holder']) {
      await q.query(`ALTER TABLE land.${table} RENAME TO ${table}_unpartitioned`);
      await q.query(`ALTER INDEX land.${table}_pkey RENAME TO ${table}_unpartitioned_pkey`);
    }

    await q.query(`CREATE TABLE land.land_parcel (
      id bigint NOT NULL,
      province_code varchar(2) NOT NULL CHECK (province_code ~ '^[0-9]{2}$'),
      commune_code varchar(5) NOT NULL CHECK (commune_code ~ '^[0-9]{5}$'),
      map_sheet_number integer NOT NULL CHECK (map_sheet_number > 0),
      parcel_number integer NOT NULL CHECK (parcel_number > 0),
      area numeric(14, 1) NOT NULL CHECK (area > 0),
      land_use_code varchar(3) NOT NULL REFERENCES land.land_use_type(code),
      certificate_number varchar(20),
      address text NOT NULL,
      version integer NOT NULL DEFAULT 1 CHECK (version > 0),
      PRIMARY KEY (id, province_code)
    ) PARTITION BY LIST (province_code)`);
    for (const sql of provincePartitionsSql('land.land_parcel')) await q.query(sql);
    await q.query(`INSERT INTO land.land_parcel (id, province_code, commune_code, map_sheet_number, parcel_number, area, land_use_code,
        certificate_number, address, version)
      SELECT id, province_code, commune_code, map_sheet_number, parcel_number, area, land_use_code, certificate_number, address, version
      FROM land.land_parcel_unpartitioned`);

    await q.query(`CREATE TABLE land.parcel_holder (
      parcel_id bigint NOT NULL,
      province_code varchar(2) NOT NULL,
      holder_type varchar(10) NOT NULL CHECK (holder_type IN ('RESIDENT', 'ENTERPRISE')),
      holder_id varchar(13) NOT NULL CHECK (holder_id ~ '^[0-9]{10,13}$'),
      share numeric(5, 2) NOT NULL CHECK (share > 0 AND share <= 100),
      PRIMARY KEY (parcel_id, holder_type, holder_id, province_code)
    ) PARTITION BY LIST (province_code)`);
    for (const sql of provincePartitionsSql('land.parcel_holder')) await q.query(sql);
    await q.query(`INSERT INTO land.parcel_holder (parcel_id, province_code, holder_type, holder_id, share)
      SELECT h.parcel_id, p.province_code, h.holder_type, h.holder_id, h.share
      FROM land.parcel_holder_unpartitioned h JOIN land.land_parcel_unpartitioned p ON p.id = h.parcel_id`);

    await q.query(`DROP TABLE land.parcel_holder_unpartitioned`);
    await q.query(`DROP TABLE land.land_parcel_unpartitioned`);

    await q.query(`ALTER TABLE land.land_parcel ADD CONSTRAINT land_parcel_number_key
      UNIQUE (commune_code, map_sheet_number, parcel_number, province_code)`);
    await q.query(`CREATE INDEX land_parcel_province_use_idx ON land.land_parcel (province_code, land_use_code, id)`);
    await q.query(`CREATE INDEX land_parcel_province_idx ON land.land_parcel (province_code, id)`);
    await q.query(`CREATE INDEX land_parcel_commune_idx ON land.land_parcel (commune_code, id)`);
    await q.query(`CREATE INDEX land_parcel_certificate_idx ON land.land_parcel (certificate_number)`);
    await q.query(`CREATE INDEX parcel_holder_holder_idx ON land.parcel_holder (holder_type, holder_id, parcel_id)`);
    await q.query(`ALTER TABLE land.parcel_holder ADD CONSTRAINT parcel_holder_parcel_fk
      FOREIGN KEY (parcel_id, province_code) REFERENCES land.land_parcel (id, province_code)`);

    for (const sql of keyTableSql({
      table: 'land.land_parcel',
      keyTable: 'land.parcel_key',
      key: 'id',
      keyType: 'bigint',
      province: 'province_code',
    })) {
      await q.query(sql);
    }
    for (const sql of keyTableSql({
      table: 'land.land_parcel',
      keyTable: 'land.certificate_key',
      key: 'certificate_number',
      keyType: 'varchar(20)',
      province: 'province_code',
    })) {
      await q.query(sql);
    }
    await q.query(`ALTER TABLE land.parcel_transfer ADD CONSTRAINT parcel_transfer_parcel_fk
      FOREIGN KEY (parcel_id) REFERENCES land.parcel_key(id)`);
  }

  async down(): Promise<void> {
    throw new Error('PartitionLand1769000000002 is not reversible: restore the unpartitioned tables from a backup');
  }
}
