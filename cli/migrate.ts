import { parseArgs } from 'node:util';
import { auditMigrations } from '../shared/audit';
import { AUDIT_PERIOD_TABLE } from '../shared/audit/migrations/1769200000000-PartitionAudit';
import { createDataSource, migrate, type DatabaseTarget } from '../shared/db';
import { prepareComing } from '../shared/db/partitions';
import { applyGrants, setPasswords } from '../shared/db/roles';
import { todayInVietnam } from '../shared/subgraph/mutations';
import { documentMigrations } from '../shared/documents';
import { databaseTarget } from '../hub/database';
import { loadHubConfig } from '../hub/config';
import { servingRoles } from '../hub/roles';
import { loadSubgraphs } from '../subgraphs';

export const MIGRATE_HELP = `  npm run cli -- migrate [--roles]
      Runs every schema's migrations (each subgraph's, the audit log's, the trusted documents') as
      the owner role: DATABASE_OWNER_URL, else DATABASE_URL (else the embedded PGlite). With
      --roles (PostgreSQL only), then creates the serving roles that are missing and grants each
      the least it needs: <prefix><schema> per subgraph (its own schema; the audit log SELECT and
      INSERT only), <prefix>gateway (the published documents, read-only); DATABASE_ROLE_PREFIX,
      default lien_thong_; passwords from DATABASE_ROLE_PASSWORDS, role=password,…). Serving
      processes in production never migrate: run this first. Also readies the current and the
      next quarter of the tables partitioned by period (as partitions prepare does).
`;

/** `migrate`: returns the exit code (0 done, 2 usage). */
export async function migrateCommand(args: string[], env: Record<string, string | undefined>): Promise<number> {
  let roles: boolean;
  try {
    ({
      values: { roles = false },
    } = parseArgs({ args, options: { roles: { type: 'boolean' } }, strict: true }));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${MIGRATE_HELP}`);
    return 2;
  }
  const config = loadHubConfig(env);
  const target: DatabaseTarget = config.DATABASE_OWNER_URL
    ? { kind: 'postgres', url: config.DATABASE_OWNER_URL }
    : await databaseTarget(config);
  try {
    if (roles && target.kind !== 'postgres') {
      console.error('--roles needs PostgreSQL (DATABASE_OWNER_URL or DATABASE_URL): the embedded PGlite has one user');
      return 2;
    }
    const subgraphs = loadSubgraphs();
    await migrate(target, [...subgraphs, auditMigrations, documentMigrations]);
    console.log(`Migrated: ${[...subgraphs.map((s) => s.schema), auditMigrations.schema, documentMigrations.schema].join(', ')}`);
    // The current and the next quarter of the tables partitioned by period, split by province (before the grants, which cover them).
    const owner = await createDataSource({ target, entities: [] });
    await owner.initialize();
    try {
      const groups = [...subgraphs.flatMap((s) => (s.periodPartitions ? [s.periodPartitions] : [])), [AUDIT_PERIOD_TABLE]];
      const created = await prepareComing(owner, groups, todayInVietnam());
      if (created.length > 0) console.log(`Prepared: ${created.join(', ')}`);
    } finally {
      await owner.destroy();
    }
    if (roles) {
      const db = await createDataSource({ target, entities: [] });
      await db.initialize();
      try {
        const grants = servingRoles(config.DATABASE_ROLE_PREFIX);
        await applyGrants(db, grants);
        if (config.DATABASE_ROLE_PASSWORDS) await setPasswords(db, grants, config.DATABASE_ROLE_PASSWORDS);
        for (const g of grants)
          console.log(
            `Role ${g.role}: ${[...g.readWrite, ...g.appendOnly.map((s) => `${s} (append only)`), ...g.readOnly.map((s) => `${s} (read only)`)].join(', ')}`,
          );
      } finally {
        await db.destroy();
      }
    }
    return 0;
  } finally {
    if (target.kind === 'pglite') await target.pglite.close();
  }
}
