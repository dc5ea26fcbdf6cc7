import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Signed checkpoints of the access log's head (shared/audit/checkpoint.ts): append-only like the
 * entries, so that no application role can rewrite one (roles are granted SELECT and INSERT only,
 * and the trigger refuses the rest even to the owner's mistakes).
 */
export class AuditCheckpoint1767000000000 implements MigrationInterface {
  name = 'AuditCheckpoint1767000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE audit.checkpoint (
      id bigserial PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT now(),
      entry_id bigint NOT NULL,
      entry_hash text NOT NULL CHECK (entry_hash ~ '^[0-9a-f]{64}$'),
      -- A compact JWS (ES256) of {"v":1,"entryId","hash","at"}: the columns above are what it signs.
      signature text NOT NULL)`);
    // The refusal names the table it guards (it guarded only audit.entry so far).
    await q.query(`CREATE OR REPLACE FUNCTION audit.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '%.% is append-only: % refused', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
          USING ERRCODE = 'insufficient_privilege',
                HINT = 'Access-log entries and checkpoints are never changed or removed; record a new one instead.';
      END
      $$`);
    await q.query(`CREATE TRIGGER checkpoint_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit.checkpoint
      FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit.checkpoint`);
  }
}
