import type { Logger as TypeOrmLogger } from 'typeorm';
import { seedSynthetic } from '../hub/seed';
import { newPersonalReads, type GatewayContext } from '../gateway/context';
import { openHubDatabase } from '../hub/database';
import { createGatewayServer } from '../gateway/server';
import { readCommittedSupergraph } from '../gateway/supergraph';
import { createAuditLog } from '../shared/audit';
import { disabledEntityCaching } from '../shared/cache/entityCache';
import type { Identity } from '../shared/auth/identity';
import { createLogger } from '../shared/observability/logger';
import { subgraphs } from '../subgraphs';
import { AS, meta } from './helpers/identities';
import { OPERATIONS } from '../hub/operations';
import { createDatabase, dropDatabase } from './helpers/postgres';

/**
 * Every hot query is index-backed: the statements the bench's operations send (the foundation
 * operations, a resident lookup, a pre-reform code lookup, a resident's household, parcels and
 * enterprises) are captured with their parameters, then EXPLAINed on PostgreSQL over a seeded and
 * ANALYZEd data set. No plan may read a big table (one that grows with the population) with a
 * sequential scan. The EXPLAINs run with `enable_seqscan = off`: on a test-sized table a
 * sequential scan can be the planner's right choice (a thousand enterprises fit in a few pages),
 * which says nothing about a national one; with it off, the planner still scans sequentially
 * wherever no index can serve the query — exactly what this test must catch. The bench shows the
 * consequence at scale (latency flat from 100,000 to 1,000,000 residents).
 */
const postgres = process.env.LT_TEST_DATABASE === 'postgres';

/** Tables that grow with the country's population: a sequential scan of one is a national scan. */
const BIG_TABLES = new Set(['resident', 'household', 'land_parcel', 'parcel_holder', 'enterprise', 'entry', 'parcel_transfer']);

/** Enough residents for realistic statistics (ANALYZE); the plans' shape, not the table sizes, is under test. */
const RESIDENTS = 10_000;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Filter?: string;
  Plans?: PlanNode[];
  /** Set by {@link walk}: a Limit above this node stops it early. */
  underLimit?: boolean;
}

function walk(node: PlanNode, into: PlanNode[] = [], underLimit = false): PlanNode[] {
  into.push({ ...node, underLimit });
  for (const child of node.Plans ?? []) walk(child, into, underLimit || node['Node Type'] === 'Limit');
  return into;
}

/**
 * A read of a big table that does not grow with it: through an index condition (or a bitmap of
 * one), or the first rows of an index in order with nothing filtered out (`ORDER BY id DESC LIMIT 1`).
 * An index scan without a condition otherwise walks the whole index (e.g. the primary key for an
 * ORDER BY): a national scan, like a sequential one.
 */
function bounded(node: PlanNode): boolean {
  if (node['Node Type'] === 'Bitmap Heap Scan') return true;
  if (!/^Index (Only )?Scan( Backward)?$/.test(node['Node Type'])) return false;
  return node['Index Cond'] !== undefined || (node.underLimit === true && node.Filter === undefined);
}

class Capture implements TypeOrmLogger {
  readonly statements: { sql: string; parameters: unknown[] }[] = [];
  logQuery(query: string, parameters?: unknown[]): void {
    this.statements.push({ sql: query, parameters: parameters ?? [] });
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

(postgres ? describe : describe.skip)('hot queries are index-backed on PostgreSQL (EXPLAIN over a seeded, analyzed data set)', () => {
  let url: string;
  const capture = new Capture();
  let explain: (sql: string, parameters: unknown[]) => Promise<PlanNode>;
  let close: () => Promise<void>;
  let citizenId: string;
  let commune: string;
  let legacyCode: string;

  beforeAll(async () => {
    url = await createDatabase('indexes');
    const seeding = await openHubDatabase({ kind: 'postgres', url });
    try {
      await seedSynthetic(seeding, { residents: RESIDENTS, seed: 3 });
      await seeding.query('ANALYZE');
    } finally {
      await seeding.destroy();
    }
    const db = await openHubDatabase({ kind: 'postgres', url }, { logger: capture });
    const gateway = createGatewayServer({
      supergraphSdl: readCommittedSupergraph(),
      transport: { kind: 'embedded', subgraphs, db, auditLog: createAuditLog(db), cache: disabledEntityCaching() },
      log: createLogger('test-gateway', 'silent'),
    });
    await gateway.start();
    [{ code: commune }] = await db.query(
      `SELECT permanent_commune_code AS code FROM population.resident GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`,
    );
    [{ citizen_id: citizenId }] = await db.query(`SELECT citizen_id FROM population.resident WHERE permanent_commune_code = $1 LIMIT 1`, [
      commune,
    ]);
    [{ code: legacyCode }] = await db.query(
      `SELECT legacy_code AS code FROM administrative_units.legacy_successor WHERE level = 'COMMUNE' ORDER BY 1 LIMIT 1`,
    );
    const run = async (query: string, variables: Record<string, unknown>, identity: Identity = AS.central) => {
      const contextValue: GatewayContext = { identity, meta: meta(), personal: newPersonalReads() };
      const response = await gateway.executeOperation({ query, variables }, { contextValue });
      if (response.body.kind !== 'single') throw new Error('unexpected incremental response');
      expect(response.body.singleResult.errors).toBeUndefined();
    };
    capture.statements.length = 0;
    await run(OPERATIONS.CommuneResidents, { code: commune });
    await run(OPERATIONS.CommuneResidents, { code: commune }, AS.communeOfficer(commune));
    await run(OPERATIONS.ProvinceLand, { province: '01' });
    await run(OPERATIONS.Units, {});
    await run(OPERATIONS.Legacy, {});
    await run(`query ($code: ID!) { legacyUnit(code: $code, level: COMMUNE) { name successors { code name } } }`, { code: legacyCode });
    await run(
      `query ($id: CitizenId!) { resident(citizenId: $id) { fullName permanentResidence { name } household { id members { relationship resident { fullName } } } landParcels { id } representedEnterprises { name } } }`,
      { id: citizenId },
    );
    const runner = db.createQueryRunner();
    await runner.connect();
    await runner.query('SET enable_seqscan = off');
    explain = async (sql, parameters) => {
      const [row] = await runner.query(`EXPLAIN (FORMAT JSON) ${sql}`, parameters);
      return (row['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan;
    };
    close = async () => {
      await runner.query('RESET enable_seqscan');
      await runner.release();
      await gateway.stop();
      await db.destroy();
    };
  });
  afterAll(async () => {
    await close?.();
    if (url) await dropDatabase(url);
  });

  test('no statement the hot operations send scans a big table: each reads it through an index condition', async () => {
    const reads = capture.statements.filter(({ sql }) => /^\s*(SELECT|WITH)\b/i.test(sql));
    const readsOfBigTables: string[] = [];
    const offenders: string[] = [];
    for (const { sql, parameters } of reads) {
      const nodes = walk(await explain(sql, parameters));
      const big = nodes.filter((n) => n['Relation Name'] && BIG_TABLES.has(n['Relation Name']));
      if (big.length === 0) continue;
      readsOfBigTables.push(sql);
      for (const node of big) {
        if (!bounded(node))
          offenders.push(
            `${node['Node Type']} on ${node['Relation Name']}${node['Index Name'] ? ` (${node['Index Name']}, no condition)` : ''}: ${sql}`,
          );
      }
    }
    // The capture saw the operations' reads of residents, households, parcels, holders, enterprises.
    expect(readsOfBigTables.length).toBeGreaterThanOrEqual(5);
    expect(offenders).toEqual([]);
  });
});
