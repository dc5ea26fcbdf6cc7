import { parseArgs } from 'node:util';
import { databaseTarget, loadHubConfig, openHubDatabase } from '../hub';
import type { DatabaseTarget } from '../shared/db';
import { detachPeriod, listPartitions, PartitionError } from '../shared/db/partitions';
import { todayInVietnam } from '../shared/subgraph/mutations';
import { subgraphs } from '../subgraphs';

export const PARTITIONS_HELP = `  npm run cli -- partitions list [--table SCHEMA.TABLE]
      Lists the partitions of every partitioned table of the subgraphs (by province: residents,
      households, land parcels and holders; by quarter: dossiers and their status history): table,
      partition, bound and estimated rows.

  npm run cli -- partitions detach SCHEMA.TABLE PERIOD
      Detaches a past quarter (PERIOD like 2024q1) of a table partitioned by period, e.g.
      public_services.dossier and public_services.dossier_event (detach both: a quarter's dossiers
      and their history go together). The partition becomes a table of its own: archive it
      (pg_dump --table=public_services.dossier_2024q1) then DROP it. Writes go on meanwhile (the
      detach waits at most 2 s for its lock, and retries). Refused for the current or a future
      quarter. Runs as the owner role (DATABASE_OWNER_URL, else DATABASE_URL, else the embedded
      PGlite). Exit code 0 detached, 1 refused or failed, 2 usage.
`;

function usage(message: string): number {
  console.error(`${message}\n\n${PARTITIONS_HELP}`);
  return 2;
}

export async function partitionsCommand(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'list' && sub !== 'detach') return usage(`Unknown partitions command "${sub ?? ''}"`);
  let values: { table?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: rest, options: { table: { type: 'string' } }, allowPositionals: true, strict: true }));
  } catch (error) {
    return usage(error instanceof Error ? error.message : String(error));
  }
  const tableName = /^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/;
  if (sub === 'list' && (positionals.length > 0 || (values.table !== undefined && !tableName.test(values.table))))
    return usage('list takes only --table SCHEMA.TABLE');
  if (sub === 'detach' && (positionals.length !== 2 || !tableName.test(positionals[0]!)))
    return usage('detach takes SCHEMA.TABLE and PERIOD (e.g. public_services.dossier 2024q1)');
  const config = loadHubConfig(env);
  // Detaching alters the tables: the owner role's (DATABASE_OWNER_URL), as the migrations; serving roles may not.
  const target: DatabaseTarget = config.DATABASE_OWNER_URL
    ? { kind: 'postgres', url: config.DATABASE_OWNER_URL }
    : await databaseTarget(config);
  const db = await openHubDatabase(target, { seedReference: false });
  try {
    if (sub === 'list') {
      const rows = (
        await listPartitions(
          db,
          subgraphs.map((s) => s.schema),
        )
      ).filter((p) => !values.table || p.table === values.table);
      for (const p of rows) console.log(`${p.table}\t${p.partition}\t${p.bound}\t${p.partitioned ? 'partitioned' : Math.max(0, p.rows)}`);
      console.log(`${rows.length} partitions`);
      return 0;
    }
    const [table, period] = positionals as [string, string];
    const detached = await detachPeriod(db, table, period, todayInVietnam());
    console.log(`Detached ${detached}: archive it (pg_dump --table=${detached}), then DROP TABLE ${detached}.`);
    return 0;
  } catch (error) {
    if (error instanceof PartitionError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  } finally {
    await db.destroy();
    if (target.kind === 'pglite') await target.pglite.close();
  }
}
