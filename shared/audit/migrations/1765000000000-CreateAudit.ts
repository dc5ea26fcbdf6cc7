import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The personal-data access log: one append-only, hash-chained table. See shared/audit/index.ts for
 * how `hash` is computed; the constraints here only keep the columns in the shape it relies on.
 */
export class CreateAudit1765000000000 implements MigrationInterface {
  name = 'CreateAudit1765000000000';

  async up(q: QueryRunner): Promise<void> {
    // Ids come from the sequence while the append lock is held (never from a DEFAULT), so they
    // increase along the chain; gaps (a rolled-back append) are harmless, order is what counts.
    await q.query(`CREATE SEQUENCE audit.entry_id_seq AS bigint`);
    await q.query(`CREATE TABLE audit.entry (
      id bigint PRIMARY KEY,
      at timestamptz NOT NULL,
      request_id text NOT NULL,
      service text NOT NULL,
      actor text NOT NULL,
      role text NOT NULL,
      organisation text,
      purpose text,
      subjects text[] NOT NULL CHECK (array_position(subjects, NULL) IS NULL),
      fields text[] NOT NULL CHECK (array_position(fields, NULL) IS NULL),
      outcome text NOT NULL CHECK (outcome IN ('ALLOWED', 'DENIED')),
      reason text,
      prev_hash text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
      hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
      CHECK (outcome = 'ALLOWED' OR reason IS NOT NULL),
      -- A second safety net behind the append lock: two entries can never claim the same
      -- predecessor, so the chain cannot fork even if a writer forgot to lock.
      CONSTRAINT entry_prev_hash_unique UNIQUE (prev_hash))`);
    await q.query(`ALTER SEQUENCE audit.entry_id_seq OWNED BY audit.entry.id`);
    await q.query(`CREATE INDEX entry_subjects_idx ON audit.entry USING gin (subjects)`);
    await q.query(`CREATE INDEX entry_request_id_idx ON audit.entry (request_id)`);
    await q.query(`CREATE FUNCTION audit.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit.entry is append-only: % refused', TG_OP
          USING ERRCODE = 'insufficient_privilege',
                HINT = 'Access-log entries are never changed or removed; record a new entry instead.';
      END
      $$`);
    await q.query(`CREATE TRIGGER entry_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit.entry
      FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit.entry`);
    await q.query(`DROP FUNCTION audit.refuse_change()`);
  }
}
