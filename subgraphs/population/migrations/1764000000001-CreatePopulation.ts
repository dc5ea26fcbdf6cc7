import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Residents and households. Commune codes refer to the administrative-units subgraph by value only;
 * the province of each residence is recorded too (as the population register does), so provincial
 * jurisdiction needs no cross-subgraph join.
 */
export class CreatePopulation1764000000001 implements MigrationInterface {
  name = 'CreatePopulation1764000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(`CREATE TABLE population.household (
      id bigint PRIMARY KEY,
      commune_code varchar(5) NOT NULL CHECK (commune_code ~ '^[0-9]{5}$'),
      province_code varchar(2) NOT NULL CHECK (province_code ~ '^[0-9]{2}$'),
      address text NOT NULL,
      head_citizen_id varchar(12) NOT NULL)`);
    await q.query(`CREATE INDEX household_commune_idx ON population.household (commune_code, id)`);
    await q.query(`CREATE TABLE population.resident (
      citizen_id varchar(12) PRIMARY KEY CHECK (citizen_id ~ '^[0-9]{12}$'),
      full_name text NOT NULL,
      search_name text NOT NULL,
      birth_date date NOT NULL,
      sex varchar(6) NOT NULL CHECK (sex IN ('MALE', 'FEMALE')),
      permanent_commune_code varchar(5) NOT NULL CHECK (permanent_commune_code ~ '^[0-9]{5}$'),
      current_commune_code varchar(5) NOT NULL CHECK (current_commune_code ~ '^[0-9]{5}$'),
      permanent_province_code varchar(2) NOT NULL CHECK (permanent_province_code ~ '^[0-9]{2}$'),
      current_province_code varchar(2) NOT NULL CHECK (current_province_code ~ '^[0-9]{2}$'),
      household_id bigint REFERENCES population.household(id),
      relationship_to_head varchar(20),
      CHECK ((household_id IS NULL) = (relationship_to_head IS NULL)))`);
    await q.query(`CREATE INDEX resident_permanent_commune_idx ON population.resident (permanent_commune_code, citizen_id)`);
    await q.query(`CREATE INDEX resident_current_commune_idx ON population.resident (current_commune_code, citizen_id)`);
    await q.query(`CREATE INDEX resident_permanent_province_idx ON population.resident (permanent_province_code)`);
    await q.query(`CREATE INDEX resident_current_province_idx ON population.resident (current_province_code)`);
    await q.query(`CREATE INDEX resident_household_idx ON population.resident (household_id)`);
    // A household has exactly one head: at most one HEAD row here, and the household points at it.
    await q.query(`CREATE UNIQUE INDEX resident_one_head_idx ON population.resident (household_id) WHERE relationship_to_head = 'HEAD'`);
    await q.query(`ALTER TABLE population.household ADD CONSTRAINT household_head_fk
      FOREIGN KEY (head_citizen_id) REFERENCES population.resident(citizen_id) DEFERRABLE INITIALLY DEFERRED`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE population.household DROP CONSTRAINT household_head_fk`);
    await q.query(`DROP TABLE population.resident`);
    await q.query(`DROP TABLE population.household`);
  }
}
