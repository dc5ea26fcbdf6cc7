import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quarterPartitionSql, type PeriodTable } from '../../db/partitions';

/** Statements guarding one partition of the access log: see {@link PartitionAudit1769200000000}. */
export const auditPartitionSql = (partition: string): string[] => [
  `CREATE TRIGGER entry_partition_direct BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${partition}
     FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_direct()`,
];

/** The access log by quarter of `at`, as `npm run cli -- partitions` maintains it (prepare, detach with its archive record). */
export const AUDIT_PERIOD_TABLE: PeriodTable = { table: 'audit.entry', column: 'at', partitionSql: auditPartitionSql };

/** Quarters created ahead: from 2025q3 (the hub's first entries) through 2027q4; `partitions prepare` adds later ones. */
export const AUDIT_QUARTERS = ['2025q3', '2025q4', '2026q1', '2026q2', '2026q3', '2026q4', '2027q1', '2027q2', '2027q3', '2027q4'];

/**
 * The access log stays, by period: `audit.entry` is RANGE-partitioned by quarter of `at` (with a
 * default partition for entries outside the quarters created), so a past quarter is detached and
 * archived (`npm run cli -- partitions detach audit.entry 2025q3`) while appends go on. Detaching
 * records the quarter in `audit.archive` (its id range, entry count and last hash): verification
 * then starts from that anchor (shared/audit/index.ts), and the archived table verifies alone from
 * genesis (or the anchor before it) to that hash.
 *
 * PostgreSQL requires the partition key in every unique constraint of a partitioned table, so
 * UNIQUE(prev_hash), the safety net behind the append lock, cannot stay. Its replacement is
 * stronger: a statement-level trigger after every insert into `audit.entry` refuses the statement
 * unless this transaction holds the append lock (pg_locks, APPEND_LOCK_KEY) and the new entries, in
 * id order, extend the chain's head (the first links to the newest entry before it, or to the last
 * archived one, or to genesis; each next one to the one before; none lies behind an existing
 * entry). Statement-level triggers fire for the table a statement names, not for its partitions,
 * so every partition carries a trigger refusing any write or TRUNCATE aimed at it directly (and
 * keeps it once detached: an archived quarter stays append-only); the serving roles are granted
 * nothing on partitions (shared/db/roles.ts) and reach them through `audit.entry` only. The
 * append-only trigger on `audit.entry` stays, for UPDATE, DELETE and TRUNCATE through the parent.
 *
 * Existing entries are moved in this migration's transaction; ids keep coming from the same
 * sequence. The primary key is `(id, at)`: ids are unique by the sequence and the chain (a
 * duplicate id cannot link).
 */
export class PartitionAudit1769200000000 implements MigrationInterface {
  name = 'PartitionAudit1769200000000';

  async up(q: QueryRunner): Promise<void> {
    for (const index of ['entry_pkey', 'entry_prev_hash_unique', 'entry_subjects_idx', 'entry_request_id_idx']) {
      await q.query(`ALTER INDEX audit.${index} RENAME TO unpartitioned_${index}`);
    }
    await q.query(`ALTER TABLE audit.entry RENAME TO entry_unpartitioned`);
    await q.query(`CREATE TABLE audit.entry (LIKE audit.entry_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
      PARTITION BY RANGE (at)`);
    await q.query(`CREATE FUNCTION audit.refuse_direct() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '%.% is a partition of audit.entry: % refused', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
          USING ERRCODE = 'insufficient_privilege',
                HINT = 'Entries are appended through audit.entry, and never changed or removed.';
      END
      $$`);
    for (const period of AUDIT_QUARTERS) for (const sql of quarterPartitionSql(AUDIT_PERIOD_TABLE, period)) await q.query(sql);
    await q.query(`CREATE TABLE audit.entry_default PARTITION OF audit.entry DEFAULT`);
    for (const sql of auditPartitionSql('audit.entry_default')) await q.query(sql);

    await q.query(`INSERT INTO audit.entry SELECT * FROM audit.entry_unpartitioned`);
    await q.query(`ALTER SEQUENCE audit.entry_id_seq OWNED BY audit.entry.id`);
    await q.query(`DROP TABLE audit.entry_unpartitioned`);
    await q.query(`ALTER TABLE audit.entry ADD CONSTRAINT entry_pkey PRIMARY KEY (id, at)`);
    await q.query(`CREATE INDEX entry_subjects_idx ON audit.entry USING gin (subjects)`);
    await q.query(`CREATE INDEX entry_request_id_idx ON audit.entry (request_id)`);
    await q.query(`CREATE TRIGGER entry_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit.entry
      FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change()`);

    // One row per detached quarter: what verification needs of it once it is gone.
    await q.query(`CREATE TABLE audit.archive (
      partition text PRIMARY KEY,
      period text NOT NULL,
      detached_at timestamptz NOT NULL DEFAULT now(),
      entries bigint NOT NULL CHECK (entries >= 0),
      first_id bigint,
      last_id bigint,
      last_hash text CHECK (last_hash ~ '^[0-9a-f]{64}$'),
      CHECK ((entries = 0) = (last_id IS NULL) AND (last_id IS NULL) = (last_hash IS NULL) AND (last_id IS NULL) = (first_id IS NULL)))`);
    await q.query(`CREATE TRIGGER archive_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit.archive
      FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change()`);

    // The fork guard (APPEND_LOCK_KEY 0x6175646974: an advisory lock on a bigint shows as classid = high 32 bits, objid = low 32 bits, objsubid 1).
    await q.query(`CREATE FUNCTION audit.check_append() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        head_first bigint;
        head_hash text;
        unlinked bigint;
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted
                         AND classid = 97 AND objid = 1969514868 AND objsubid = 1) THEN
          RAISE EXCEPTION 'audit.entry: entries appended without the append lock (pg_advisory_xact_lock(418581342580)) refused'
            USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        SELECT min(id) INTO head_first FROM new_rows;
        IF (SELECT max(id) FROM audit.entry) <> (SELECT max(id) FROM new_rows) THEN
          RAISE EXCEPTION 'audit.entry: entry % is not at the head of the chain: refused', head_first
            USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        head_hash := coalesce(
          (SELECT hash FROM audit.entry WHERE id < head_first ORDER BY id DESC LIMIT 1),
          (SELECT last_hash FROM audit.archive WHERE last_id < head_first ORDER BY last_id DESC LIMIT 1),
          repeat('0', 64));
        SELECT n.id INTO unlinked FROM (SELECT id, prev_hash, lag(hash, 1, head_hash) OVER (ORDER BY id) AS before FROM new_rows) n
          WHERE n.prev_hash IS DISTINCT FROM n.before ORDER BY n.id LIMIT 1;
        IF unlinked IS NOT NULL THEN
          RAISE EXCEPTION 'audit.entry: entry % does not extend the chain (its prev_hash is not the previous entry''s hash): refused', unlinked
            USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NULL;
      END
      $$`);
    await q.query(`CREATE TRIGGER entry_append_check AFTER INSERT ON audit.entry
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit.check_append()`);
  }

  async down(): Promise<void> {
    throw new Error('PartitionAudit1769200000000 is not reversible: restore the unpartitioned table from a backup');
  }
}
