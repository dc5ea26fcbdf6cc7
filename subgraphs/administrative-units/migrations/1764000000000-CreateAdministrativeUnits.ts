import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Today's units, their changes, the pre-reform units and the old→new links. */
export class CreateAdministrativeUnits1764000000000 implements MigrationInterface {
  name = 'CreateAdministrativeUnits1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(`CREATE TABLE administrative_units.province (
      code varchar(2) PRIMARY KEY CHECK (code ~ '^[0-9]{2}$'),
      name text NOT NULL,
      full_name text NOT NULL,
      type varchar(20) NOT NULL CHECK (type IN ('PROVINCE', 'CENTRAL_CITY')),
      search_name text NOT NULL,
      effective_from date NOT NULL)`);
    await q.query(`CREATE TABLE administrative_units.commune (
      code varchar(5) PRIMARY KEY CHECK (code ~ '^[0-9]{5}$'),
      name text NOT NULL,
      full_name text NOT NULL,
      type varchar(20) NOT NULL CHECK (type IN ('COMMUNE', 'WARD', 'SPECIAL_ZONE')),
      province_code varchar(2) NOT NULL REFERENCES administrative_units.province(code),
      search_name text NOT NULL,
      effective_from date NOT NULL)`);
    await q.query(`CREATE INDEX commune_province_code_idx ON administrative_units.commune (province_code, code)`);
    await q.query(`CREATE INDEX commune_search_idx ON administrative_units.commune USING gin (search_name gin_trgm_ops)`);
    await q.query(`CREATE TABLE administrative_units.unit_change (
      id serial PRIMARY KEY,
      level varchar(10) NOT NULL,
      code varchar(5) NOT NULL,
      field varchar(20) NOT NULL,
      old_value text NOT NULL,
      new_value text NOT NULL,
      effective_from date NOT NULL,
      legal_basis text[] NOT NULL)`);
    await q.query(`CREATE INDEX unit_change_unit_idx ON administrative_units.unit_change (level, code)`);
    await q.query(`CREATE UNIQUE INDEX unit_change_once_idx ON administrative_units.unit_change (level, code, field, effective_from)`);
    await q.query(`CREATE TABLE administrative_units.legacy_unit (
      level varchar(10) NOT NULL CHECK (level IN ('PROVINCE', 'DISTRICT', 'COMMUNE')),
      code varchar(5) NOT NULL,
      name text NOT NULL,
      search_name text NOT NULL,
      legacy_province_code varchar(2),
      legacy_district_code varchar(3),
      new_province_code varchar(2) NOT NULL REFERENCES administrative_units.province(code),
      status varchar(30) NOT NULL,
      correction text,
      PRIMARY KEY (level, code))`);
    await q.query(`CREATE INDEX legacy_unit_new_province_idx ON administrative_units.legacy_unit (new_province_code)`);
    await q.query(`CREATE INDEX legacy_unit_search_idx ON administrative_units.legacy_unit USING gin (search_name gin_trgm_ops)`);
    await q.query(`CREATE TABLE administrative_units.legacy_successor (
      level varchar(10) NOT NULL,
      legacy_code varchar(5) NOT NULL,
      commune_code varchar(5) NOT NULL REFERENCES administrative_units.commune(code),
      PRIMARY KEY (level, legacy_code, commune_code),
      FOREIGN KEY (level, legacy_code) REFERENCES administrative_units.legacy_unit(level, code))`);
    await q.query(`CREATE INDEX legacy_successor_commune_idx ON administrative_units.legacy_successor (commune_code)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['legacy_successor', 'legacy_unit', 'unit_change', 'commune', 'province']) {
      await q.query(`DROP TABLE administrative_units.${table}`);
    }
  }
}
