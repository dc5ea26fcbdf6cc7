import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The enterprise register. The legal representative is a resident of the population subgraph, by key. */
export class CreateEnterprise1764000000003 implements MigrationInterface {
  name = 'CreateEnterprise1764000000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(`CREATE TABLE enterprise.enterprise (
      tax_code varchar(13) PRIMARY KEY CHECK (tax_code ~ '^[0-9]{10}([0-9]{3})?$'),
      name text NOT NULL,
      search_name text NOT NULL,
      legal_form varchar(30) NOT NULL,
      status varchar(20) NOT NULL CHECK (status IN ('ACTIVE', 'SUSPENDED', 'DISSOLVED')),
      founded_on date NOT NULL,
      head_office_province_code varchar(2) NOT NULL CHECK (head_office_province_code ~ '^[0-9]{2}$'),
      head_office_commune_code varchar(5) NOT NULL CHECK (head_office_commune_code ~ '^[0-9]{5}$'),
      head_office_address text NOT NULL,
      charter_capital numeric(20, 0) NOT NULL CHECK (charter_capital >= 0),
      industry_codes text[] NOT NULL,
      legal_representative_id varchar(12) NOT NULL CHECK (legal_representative_id ~ '^[0-9]{12}$'))`);
    await q.query(`CREATE INDEX enterprise_commune_idx ON enterprise.enterprise (head_office_commune_code, tax_code)`);
    await q.query(`CREATE INDEX enterprise_province_idx ON enterprise.enterprise (head_office_province_code, tax_code)`);
    await q.query(`CREATE INDEX enterprise_representative_idx ON enterprise.enterprise (legal_representative_id)`);
    await q.query(`CREATE INDEX enterprise_search_idx ON enterprise.enterprise USING gin (search_name gin_trgm_ops)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE enterprise.enterprise`);
  }
}
