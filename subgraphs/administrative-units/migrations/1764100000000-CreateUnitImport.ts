import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The log of unit imports: the bundled data set at start, or one imported with `import-units`.
 * The start-up import reads it to leave an imported data set alone and to skip an unchanged one.
 */
export class CreateUnitImport1764100000000 implements MigrationInterface {
  name = 'CreateUnitImport1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE administrative_units.unit_import (
      id serial PRIMARY KEY,
      source text NOT NULL,
      fingerprint varchar(64) NOT NULL,
      effective_from date NOT NULL,
      imported_at timestamptz NOT NULL DEFAULT now(),
      summary jsonb NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE administrative_units.unit_import`);
  }
}
