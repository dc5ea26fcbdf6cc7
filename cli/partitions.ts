import { parseArgs } from 'node:util';
import { databaseTarget, loadHubConfig, openHubDatabase } from '../hub';
import type { DatabaseTarget } from '../shared/db';
import {
  detachPeriod,
  listPartitions,
  PartitionError,
  PERIOD,
  prepareComing,
  prepareQuarter,
  type PeriodTable,
} from '../shared/db/partitions';
import { auditMigrations } from '../shared/audit';
import { detachAuditPeriod } from '../shared/audit/archive';
import { AUDIT_PERIOD_TABLE } from '../shared/audit/migrations/1769200000000-PartitionAudit';
import { todayInVietnam } from '../shared/subgraph/mutations';
import { loadSubgraphs, subgraphs } from '../subgraphs';

export const PARTITIONS_HELP = `  npm run cli -- partitions list [--table SCHEMA.TABLE]
      Lists the partitions of every partitioned table of the subgraphs (by province: residents,
      households, land parcels and holders; by quarter, then by province: dossiers; by quarter:
      their status history) and of the access log (audit.entry, by quarter), through every
      level: table, partition, bound, estimated rows.

  npm run cli -- partitions detach SCHEMA.TABLE PERIOD
      Detaches a past quarter (PERIOD like 2025q3) of a table partitioned by period and of the
      tables archived with it, in one transaction: public_services.dossier (the quarter with its
      province partitions) and public_services.dossier_event go together. Each partition becomes a
      table of its own: archive it with its province tables (pg_dump
      --table='public_services.dossier_2025q3*' --table=public_services.dossier_event_2025q3) then
      DROP it (its province tables go with it). audit.entry PERIOD detaches a quarter of the access
      log and records its id range and last hash in audit.archive, from which audit verify goes on
      (quarters oldest first: refused while an older entry is still attached; the detached table
      stays append-only and verifies alone). Writes go on meanwhile (the detach waits at most 2 s
      for its lock, and retries). Refused for the current or a future quarter.

  npm run cli -- partitions prepare [PERIOD]
      Readies a quarter (default: the current and the next one) in the tables partitioned by
      period (the access log's too): creates its partitions if missing and splits the dossiers' quarter into the 34
      province partitions (moving rows its default province partition took meanwhile). Run it
      monthly (migrate runs it too): a quarter left whole still stores and reads every dossier,
      through every province's rows.

      Both alter tables: they run as the owner role (DATABASE_OWNER_URL, else DATABASE_URL, else
      the embedded PGlite). Exit code 0 done, 1 refused or failed, 2 usage.
`;

function usage(message: string): number {
  console.error(`${message}\n\n${PARTITIONS_HELP}`);
  return 2;
}

/** The groups of tables partitioned by period: as the subgraphs declare them, and the access log. */
export function periodGroups(): PeriodTable[][] {
  return [...loadSubgraphs().flatMap((s) => (s.periodPartitions ? [[...s.periodPartitions]] : [])), [AUDIT_PERIOD_TABLE]];
}

export async function partitionsCommand(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'list' && sub !== 'detach' && sub !== 'prepare') return usage(`Unknown partitions command "${sub ?? ''}"`);
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
    return usage('detach takes SCHEMA.TABLE and PERIOD (e.g. public_services.dossier 2025q3)');
  if (sub === 'prepare' && (positionals.length > 1 || (positionals[0] !== undefined && !PERIOD.test(positionals[0]))))
    return usage('prepare takes at most a PERIOD (e.g. 2027q1)');
  const config = loadHubConfig(env);
  // Detaching alters the tables: the owner role's (DATABASE_OWNER_URL), as the migrations; serving roles may not.
  const target: DatabaseTarget = config.DATABASE_OWNER_URL
    ? { kind: 'postgres', url: config.DATABASE_OWNER_URL }
    : await databaseTarget(config);
  const db = await openHubDatabase(target, { seedReference: false });
  try {
    if (sub === 'list') {
      const rows = (await listPartitions(db, [...subgraphs.map((s) => s.schema), auditMigrations.schema])).filter(
        (p) => !values.table || p.table === values.table,
      );
      for (const p of rows) console.log(`${p.table}\t${p.partition}\t${p.bound}\t${p.partitioned ? 'partitioned' : Math.max(0, p.rows)}`);
      console.log(`${rows.length} partitions`);
      return 0;
    }
    const groups = periodGroups();
    if (sub === 'prepare') {
      const created: string[] = [];
      if (!positionals[0]) created.push(...(await prepareComing(db, groups, todayInVietnam())));
      else for (const g of groups) created.push(...(await prepareQuarter(db, g, positionals[0])));
      for (const c of created) console.log(`Created ${c}`);
      console.log(created.length ? 'Prepared.' : 'Already prepared.');
      return 0;
    }
    const [table, period] = positionals as [string, string];
    const group = groups.find((g) => g.some((t) => t.table === table));
    if (!group)
      throw new PartitionError(
        `${table} is not partitioned by period (those are: ${groups
          .flat()
          .map((t) => t.table)
          .join(', ')})`,
      );
    if (table === AUDIT_PERIOD_TABLE.table) {
      const partition = await detachAuditPeriod(db, period, todayInVietnam());
      console.log(
        `Detached ${partition}, recorded in audit.archive (audit verify goes on from its last hash): archive it ` +
          `(pg_dump --table=${partition}; it verifies alone up to that hash), then DROP TABLE ${partition}.`,
      );
      return 0;
    }
    const detached = await detachPeriod(
      db,
      group.map((t) => t.table),
      period,
      todayInVietnam(),
    );
    const dump = detached.map((d) => `--table='${d}*'`).join(' ');
    console.log(
      `Detached ${detached.join(', ')}: archive them (pg_dump ${dump}), then DROP TABLE ${detached.join(', ')} (their province partitions go with them).`,
    );
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
