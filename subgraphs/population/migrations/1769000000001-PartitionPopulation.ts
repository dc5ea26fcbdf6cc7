import type { MigrationInterface, QueryRunner } from 'typeorm';
import { keyTableSql, provincePartitionsSql } from '../../../shared/db/partitions';

/**
 * Residents and households partitioned by province (shared/db/partitions.ts says how and why):
 * residents by the province of their permanent residence, households by theirs; existing rows are
 * moved in this migration's transaction (create the partitioned table, copy the rows, drop the old
 * one, recreate indexes and constraints).
 *
 * Keys: a partitioned table's primary key must hold its province, so `(citizen_id,
 * permanent_province_code)` and `(id, province_code)` are unique per province only. A citizen ID
 * and a household id stay unique in the whole country through the key tables `citizen_key` and
 * `household_key` (the key and the province of its row, kept by triggers); the foreign keys that
 * referred to the tables now refer to them. A lookup by citizen ID alone (`_entities`) reads the
 * key table first, then the row's partition alone (loaders.ts, shared/db/partitions.ts readByKey).
 *
 * A household's members live in its province (a move of the household moves them, a member who
 * moves leaves it), so "one head per household" is unique on `(household_id, province)`.
 */
export class PartitionPopulation1769000000001 implements MigrationInterface {
  name = 'PartitionPopulation1769000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE population.household DROP CONSTRAINT household_head_fk`);
    await q.query(`ALTER TABLE population.resident DROP CONSTRAINT resident_household_id_fkey`);
    for (const table of ['resident', 'household']) {
      await q.query(`ALTER TABLE population.${table} RENAME TO ${table}_unpartitioned`);
      await q.query(`ALTER INDEX population.${table}_pkey RENAME TO ${table}_unpartitioned_pkey`);
    }

    await q.query(`CREATE TABLE population.household (
      id bigint NOT NULL,
      commune_code varchar(5) NOT NULL CHECK (commune_code ~ '^[0-9]{5}$'),
      province_code varchar(2) NOT NULL CHECK (province_code ~ '^[0-9]{2}$'),
      address text NOT NULL,
      head_citizen_id varchar(12) NOT NULL,
      version integer NOT NULL DEFAULT 1 CHECK (version > 0),
      PRIMARY KEY (id, province_code)
    ) PARTITION BY LIST (province_code)`);
    for (const sql of provincePartitionsSql('population.household')) await q.query(sql);
    await q.query(`INSERT INTO population.household (id, commune_code, province_code, address, head_citizen_id, version)
      SELECT id, commune_code, province_code, address, head_citizen_id, version FROM population.household_unpartitioned`);

    await q.query(`CREATE TABLE population.resident (
      citizen_id varchar(12) NOT NULL CHECK (citizen_id ~ '^[0-9]{12}$'),
      full_name text NOT NULL,
      search_name text NOT NULL,
      birth_date date NOT NULL,
      sex varchar(6) NOT NULL CHECK (sex IN ('MALE', 'FEMALE')),
      permanent_commune_code varchar(5) NOT NULL CHECK (permanent_commune_code ~ '^[0-9]{5}$'),
      current_commune_code varchar(5) NOT NULL CHECK (current_commune_code ~ '^[0-9]{5}$'),
      permanent_province_code varchar(2) NOT NULL CHECK (permanent_province_code ~ '^[0-9]{2}$'),
      current_province_code varchar(2) NOT NULL CHECK (current_province_code ~ '^[0-9]{2}$'),
      household_id bigint,
      relationship_to_head varchar(20),
      version integer NOT NULL DEFAULT 1 CHECK (version > 0),
      death_date date,
      CHECK ((household_id IS NULL) = (relationship_to_head IS NULL)),
      CONSTRAINT resident_death_after_birth CHECK (death_date IS NULL OR death_date >= birth_date),
      CONSTRAINT resident_dead_in_no_household CHECK (death_date IS NULL OR household_id IS NULL),
      PRIMARY KEY (citizen_id, permanent_province_code)
    ) PARTITION BY LIST (permanent_province_code)`);
    for (const sql of provincePartitionsSql('population.resident')) await q.query(sql);
    await q.query(`INSERT INTO population.resident (citizen_id, full_name, search_name, birth_date, sex, permanent_commune_code,
        current_commune_code, permanent_province_code, current_province_code, household_id, relationship_to_head, version, death_date)
      SELECT citizen_id, full_name, search_name, birth_date, sex, permanent_commune_code, current_commune_code,
        permanent_province_code, current_province_code, household_id, relationship_to_head, version, death_date
      FROM population.resident_unpartitioned`);

    await q.query(`DROP TABLE population.resident_unpartitioned`);
    await q.query(`DROP TABLE population.household_unpartitioned`);

    await q.query(`CREATE INDEX household_commune_idx ON population.household (commune_code, id)`);
    await q.query(`CREATE INDEX resident_permanent_commune_idx ON population.resident (permanent_commune_code, citizen_id)`);
    await q.query(`CREATE INDEX resident_current_commune_idx ON population.resident (current_commune_code, citizen_id)`);
    await q.query(`CREATE INDEX resident_permanent_province_idx ON population.resident (permanent_province_code)`);
    await q.query(`CREATE INDEX resident_current_province_idx ON population.resident (current_province_code)`);
    await q.query(`CREATE INDEX resident_household_idx ON population.resident (household_id)`);
    await q.query(
      `CREATE UNIQUE INDEX resident_one_head_idx ON population.resident (household_id, permanent_province_code) WHERE relationship_to_head = 'HEAD'`,
    );

    for (const sql of keyTableSql({
      table: 'population.household',
      keyTable: 'population.household_key',
      key: 'id',
      keyType: 'bigint',
      province: 'province_code',
    })) {
      await q.query(sql);
    }
    for (const sql of keyTableSql({
      table: 'population.resident',
      keyTable: 'population.citizen_key',
      key: 'citizen_id',
      keyType: 'varchar(12)',
      province: 'permanent_province_code',
    })) {
      await q.query(sql);
    }
    await q.query(`ALTER TABLE population.resident ADD CONSTRAINT resident_household_fk
      FOREIGN KEY (household_id) REFERENCES population.household_key(id)`);
    await q.query(`ALTER TABLE population.household ADD CONSTRAINT household_head_fk
      FOREIGN KEY (head_citizen_id) REFERENCES population.citizen_key(citizen_id) DEFERRABLE INITIALLY DEFERRED`);
  }

  async down(): Promise<void> {
    throw new Error('PartitionPopulation1769000000001 is not reversible: restore the unpartitioned tables from a backup');
  }
}
