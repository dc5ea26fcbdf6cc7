import type { DataSource, Logger as TypeOrmLogger } from 'typeorm';
import { newPersonalReads, type GatewayContext } from '../../gateway/context';
import { createGatewayServer } from '../../gateway/server';
import { readCommittedSupergraph } from '../../gateway/supergraph';
import { openHubDatabase } from '../../hub/database';
import { seedSynthetic, type SeedOptions } from '../../hub/seed';
import { createAuditLog } from '../../shared/audit';
import type { Identity } from '../../shared/auth/identity';
import { disabledEntityCaching } from '../../shared/cache/entityCache';
import { createLogger } from '../../shared/observability/logger';
import { loadSubgraphs } from '../../subgraphs';
import { AS, meta } from './identities';
import { createDatabase, dropDatabase } from './postgres';

/** The registered subgraphs' implementations (the registry holds their manifests). */
const subgraphs = loadSubgraphs();

export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Filter?: string;
  Plans?: PlanNode[];
  /** Set by {@link planNodes}: a Limit above this node stops it early. */
  underLimit?: boolean;
}

/** Every node of a plan, each marked with whether a Limit above it stops it early. */
export function planNodes(node: PlanNode, into: PlanNode[] = [], underLimit = false): PlanNode[] {
  into.push({ ...node, underLimit });
  for (const child of node.Plans ?? []) planNodes(child, into, underLimit || node['Node Type'] === 'Limit');
  return into;
}

/**
 * A read of a big table that does not grow with it: through an index condition (or a bitmap of
 * one), or the first rows of an index in order with nothing filtered out (`ORDER BY id DESC LIMIT 1`).
 * An index scan without a condition otherwise walks the whole index (e.g. the primary key for an
 * ORDER BY): a national scan, like a sequential one.
 */
export function bounded(node: PlanNode): boolean {
  if (node['Node Type'] === 'Bitmap Heap Scan') return true;
  if (!/^Index (Only )?Scan( Backward)?$/.test(node['Node Type'])) return false;
  return node['Index Cond'] !== undefined || (node.underLimit === true && node.Filter === undefined);
}

interface Statement {
  sql: string;
  parameters: unknown[];
  /** The label of the operation that sent it. */
  label: string;
}

class Capture implements TypeOrmLogger {
  readonly statements: Statement[] = [];
  label = '';
  /** Only while an operation runs: not the migrations' checks, nor the tests' own look-ups. */
  logQuery(query: string, parameters?: unknown[]): void {
    if (this.label) this.statements.push({ sql: query, parameters: parameters ?? [], label: this.label });
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

/** A seeded, analysed PostgreSQL database behind an embedded gateway, whose statements are captured to be EXPLAINed. */
export interface ExplainedHub {
  db: DataSource;
  /** Runs an operation through the gateway (it must answer without errors), its statements recorded under `label`. */
  run(label: string, query: string, variables: Record<string, unknown>, identity?: Identity): Promise<void>;
  /**
   * The reads recorded so far whose plan touches a table `isBig` names: the labels that read one,
   * and each node that reads one unbounded (a sequential scan, or an index walked whole).
   */
  unboundedReads(isBig: (relation: string) => boolean): Promise<{ covered: Set<string>; offenders: string[] }>;
  /**
   * For each read `operation` sent that touches a partitioned table, the partitions its plan reads,
   * per table: `partitionOf` names the partitioned table of a relation (null for any other relation).
   */
  partitionsRead(
    operation: string,
    partitionOf: (relation: string) => string | null,
  ): Promise<{ sql: string; table: string; partitions: string[] }[]>;
  /** Drops the database. */
  close(): Promise<void>;
}

/**
 * Seeds a database of its own, ANALYZEs it and opens it behind an embedded gateway. Plans are
 * EXPLAINed with `enable_seqscan = off`: on a test-sized table a sequential scan can be the
 * planner's right choice, which says nothing about a national one; with it off, the planner still
 * scans sequentially wherever no index can serve the query, exactly what these tests must catch.
 */
export async function openExplainedHub(label: string, seed: SeedOptions): Promise<ExplainedHub> {
  const url = await createDatabase(label);
  const seeding = await openHubDatabase({ kind: 'postgres', url });
  try {
    await seedSynthetic(seeding, seed);
    await seeding.query('ANALYZE');
  } finally {
    await seeding.destroy();
  }
  const capture = new Capture();
  const db = await openHubDatabase({ kind: 'postgres', url }, { logger: capture });
  const gateway = createGatewayServer({
    supergraphSdl: readCommittedSupergraph(),
    transport: { kind: 'embedded', subgraphs, db, auditLog: createAuditLog(db), cache: disabledEntityCaching() },
    log: createLogger('test-gateway', 'silent'),
  });
  await gateway.start();
  const explain = async (sql: string, parameters: unknown[]): Promise<PlanNode> => {
    const runner = db.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SET enable_seqscan = off');
      const [row] = await runner.query(`EXPLAIN (FORMAT JSON) ${sql}`, parameters);
      await runner.query('RESET enable_seqscan');
      return (row['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan;
    } finally {
      await runner.release();
    }
  };
  return {
    db,
    async run(operation, query, variables, identity = AS.central) {
      capture.label = operation;
      const contextValue: GatewayContext = { identity, meta: meta(), personal: newPersonalReads() };
      const response = await gateway.executeOperation({ query, variables }, { contextValue }).finally(() => (capture.label = ''));
      if (response.body.kind !== 'single') throw new Error('unexpected incremental response');
      if (response.body.singleResult.errors) throw new Error(`${operation}: ${JSON.stringify(response.body.singleResult.errors)}`);
    },
    async unboundedReads(isBig) {
      const covered = new Set<string>();
      const offenders: string[] = [];
      const reads = capture.statements.filter(({ sql }) => /^\s*(SELECT|WITH)\b/i.test(sql));
      for (const { sql, parameters, label: operation } of reads) {
        const big = planNodes(await explain(sql, parameters)).filter((n) => n['Relation Name'] && isBig(n['Relation Name']));
        if (big.length > 0) covered.add(operation);
        for (const node of big.filter((n) => !bounded(n))) {
          const index = node['Index Name'] ? ` (${node['Index Name']}, no condition)` : '';
          offenders.push(
            `${operation}: ${node['Node Type']} on ${node['Relation Name']}${index}: ${sql.replace(/\s+/g, ' ').slice(0, 300)}`,
          );
        }
      }
      return { covered, offenders };
    },
    async partitionsRead(operation, partitionOf) {
      const found: { sql: string; table: string; partitions: string[] }[] = [];
      const reads = capture.statements.filter(({ sql, label }) => label === operation && /^\s*(SELECT|WITH)\b/i.test(sql));
      for (const { sql, parameters } of reads) {
        const byTable = new Map<string, Set<string>>();
        for (const node of planNodes(await explain(sql, parameters))) {
          const relation = node['Relation Name'];
          const table = relation ? partitionOf(relation) : null;
          if (!relation || !table) continue;
          byTable.set(table, (byTable.get(table) ?? new Set()).add(relation));
        }
        for (const [table, partitions] of byTable) {
          found.push({ sql: sql.replace(/\s+/g, ' '), table, partitions: [...partitions].sort() });
        }
      }
      return found;
    },
    async close() {
      await gateway.stop();
      await db.destroy();
      await dropDatabase(url);
    },
  };
}
