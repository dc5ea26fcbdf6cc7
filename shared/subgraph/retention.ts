import type { DataSource } from 'typeorm';
import type { Logger } from '../observability/logger';
import { startPeriodic } from '../periodic';

/**
 * Idempotency keys are kept for a retention (IDEMPOTENCY_RETENTION_HOURS, a few days by default):
 * long enough for any client's retries, and the table no longer grows with every write ever made.
 *
 * The purge never blocks a write: it deletes in small batches, each its own short statement, of
 * rows it could lock at once (`FOR UPDATE SKIP LOCKED`): a key a write is claiming or replaying
 * right now is skipped and taken at a later pass. Several replicas may purge together: each skips
 * what another has locked, none waits. A retry that arrives after its key expired is a new request
 * (the client waited longer than the retention promises).
 */

/** Rows deleted per statement: short enough that its locks and WAL never matter. */
export const PURGE_BATCH = 500;

/** Index for the purge's scan by age, for the subgraphs' migrations (their idempotency table is `<schema>.idempotency_key`). */
export function idempotencyExpiryIndexSql(schema: string): string {
  return `CREATE INDEX IF NOT EXISTS idempotency_key_created_idx ON ${schema}.idempotency_key (created_at)`;
}

/**
 * Deletes the keys of `schema` older than `retentionHours`, `batch` at a time, until none is left
 * (or only locked ones). Returns how many went. A schema without an idempotency table purges nothing.
 */
export async function purgeExpiredIdempotencyKeys(
  db: DataSource,
  schema: string,
  retentionHours: number,
  batch = PURGE_BATCH,
): Promise<number> {
  const [table] = (await db.query(`SELECT to_regclass($1) IS NOT NULL AS present`, [`${schema}.idempotency_key`])) as {
    present: boolean;
  }[];
  if (!table?.present) return 0;
  let total = 0;
  for (;;) {
    const [row] = (await db.query(
      `WITH expired AS (
         SELECT actor, key FROM ${schema}.idempotency_key
         WHERE created_at < now() - make_interval(hours => $1::int)
         ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED),
       deleted AS (DELETE FROM ${schema}.idempotency_key k USING expired e WHERE k.actor = e.actor AND k.key = e.key RETURNING 1)
       SELECT count(*)::int AS n FROM deleted`,
      [retentionHours, batch],
    )) as { n: number }[];
    const deleted = row?.n ?? 0;
    total += deleted;
    if (deleted < batch) return total;
  }
}

/**
 * Runs the purge of every schema in `schemas` every `intervalMs` (the first pass at once, one pass
 * at a time) until the returned function is called, which waits for a pass under way.
 */
export function startIdempotencyPurge(options: {
  db: DataSource;
  schemas: readonly string[];
  retentionHours: number;
  intervalMs: number;
  log: Logger;
}): () => Promise<void> {
  return startPeriodic({
    intervalMs: options.intervalMs,
    immediately: true,
    run: async (stopped) => {
      for (const schema of options.schemas) {
        if (stopped()) return;
        const purged = await purgeExpiredIdempotencyKeys(options.db, schema, options.retentionHours);
        if (purged > 0) options.log.info({ schema, purged }, 'expired idempotency keys purged');
      }
    },
    onError: (error) => options.log.warn({ err: error }, 'idempotency keys: purge failed, retried at the next pass'),
  });
}
