import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Trusted documents: the operations each client application published (shared/documents). A
 * revoked document keeps its row (who published what, and when it stopped) and is never served.
 */
export class CreateTrustedDocuments1780000000000 implements MigrationInterface {
  name = 'CreateTrustedDocuments1780000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE documents.trusted_document (
      client_name text NOT NULL CHECK (client_name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$'),
      id text NOT NULL CHECK (id ~ '^[0-9a-f]{64}$'),
      body text NOT NULL,
      operation_name text,
      published_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz,
      PRIMARY KEY (client_name, id))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE documents.trusted_document`);
  }
}
