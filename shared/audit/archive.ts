/**
 * Archiving the access log by period: a past quarter of `audit.entry` is detached (it becomes a
 * table of its own, still append-only, to pg_dump and drop) and recorded in `audit.archive` with
 * its id range, entry count and last hash. The chain stays verifiable: {@link AuditLog.verify}
 * starts from the last archived hash before the first entry still attached, checkpoints naming
 * archived entries are checked against the archive, and the dumped table verifies alone from
 * genesis (or the anchor before it) to the hash recorded here.
 *
 * Quarters are archived oldest first, so the archived entries are always a prefix of the chain:
 * a detach is refused while an older entry is still attached.
 *
 * @module
 */
import type { DataSource, EntityManager } from 'typeorm';
import { detachPeriod, PartitionError } from '../db/partitions';
import { AUDIT_PERIOD_TABLE } from './migrations/1769200000000-PartitionAudit';

/** The archived part of the chain, as verification reports it. */
export interface ArchivedRange {
  /** Quarters detached. */
  partitions: number;
  entries: number;
  /** The ids the archived quarters held (null when none held an entry). */
  firstId: string | null;
  lastId: string | null;
}

/** The anchor the first attached entry `firstId` must link to: the last archived entry before it, if any. */
export async function anchorBefore(db: DataSource | EntityManager, firstId: string): Promise<{ id: string; hash: string } | null> {
  const [row] = (await db.query(
    `SELECT last_id::text AS id, last_hash AS hash FROM audit.archive WHERE last_id < $1::bigint ORDER BY last_id DESC LIMIT 1`,
    [firstId],
  )) as { id: string; hash: string }[];
  return row ?? null;
}

/** What `audit.archive` holds, summed; null when nothing was archived. */
export async function archivedRange(db: DataSource | EntityManager): Promise<ArchivedRange | null> {
  const [row] = (await db.query(
    `SELECT count(*)::int AS partitions, coalesce(sum(entries), 0)::int AS entries, min(first_id)::text AS "firstId", max(last_id)::text AS "lastId"
     FROM audit.archive`,
  )) as ArchivedRange[];
  return row && row.partitions > 0 ? row : null;
}

/** Records `partition` (about to be detached) in the archive; refuses when an older entry is still attached. */
async function recordArchive(em: EntityManager, partition: string, period: string): Promise<void> {
  const [range] = (await em.query(`SELECT count(*)::int AS entries, min(id)::text AS first, max(id)::text AS last FROM ${partition}`)) as {
    entries: number;
    first: string | null;
    last: string | null;
  }[];
  let lastHash: string | null = null;
  if (range!.entries > 0) {
    const [older] = (await em.query(`SELECT id::text AS id FROM audit.entry WHERE id < $1::bigint AND tableoid <> $2::regclass LIMIT 1`, [
      range!.first,
      partition,
    ])) as { id: string }[];
    if (older) {
      throw new PartitionError(`entry ${older.id}, older than ${partition}'s, is still attached: detach the older quarters first`);
    }
    const [last] = (await em.query(`SELECT hash FROM ${partition} WHERE id = $1::bigint`, [range!.last])) as { hash: string }[];
    lastHash = last!.hash;
  }
  await em.query(
    `INSERT INTO audit.archive (partition, period, entries, first_id, last_id, last_hash) VALUES ($1, $2, $3, $4::bigint, $5::bigint, $6)`,
    [partition, period, range!.entries, range!.first, range!.last, lastHash],
  );
}

/**
 * Detaches a past quarter of the access log and records it in `audit.archive`, in one transaction
 * (see the module). The current and future quarters are refused, as for every table partitioned by
 * period. Returns the detached table's name.
 */
export async function detachAuditPeriod(db: DataSource, period: string, today: string): Promise<string> {
  const [detached] = await detachPeriod(db, [AUDIT_PERIOD_TABLE.table], period, today, {
    beforeDetach: async (em, partitions) => {
      for (const p of partitions) await recordArchive(em, p.partition, period);
    },
  });
  return detached!;
}
